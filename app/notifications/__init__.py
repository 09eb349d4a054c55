"""Notifications: the transactional outbox and its SMTP sender (shared kernel).

How a domain sends an e-mail:

1. Register the kind once, in the composition root (app/composition.py):
   `register_kind("booking.promoted", _l("Place obtenue sur liste d'attente"), essential=True)`
   (app.notifications.kinds). Non-essential kinds can be switched off by
   each person on /notifications/preferences.
2. Write the templates `app/templates/emails/booking/promoted.subject.txt`
   and `.txt`; the body extends `emails/_base.txt` and fills the blocks
   `content`, `why` ("vous êtes inscrit sur la liste d'attente de ...") and
   `link` (`{{ public_url("booking.my_bookings") }}`). The HTML alternative is
   built from the text by the one layout of every e-mail (app.notifications.layout,
   emails/_layout.html): the same content, its first link as a button.
3. In the use case, before its commit: `notify("booking.promoted", parent, {...})`.
   It returns the OutboxMessage, or None when the person switched the kind off.
   Attach an invitation with `attachments=[calendar_attachment(build_invitation(...))]`
   (app.notifications.ical).
4. Daily work: `register_daily_job("booking.reminders", fn)` (app.notifications.jobs),
   with `dedup_key=job_dedup_key(name, today, ...)` on each notify so that a
   second run the same day sends nothing twice.

The sender (`flask --app app outbox send [--forever]`) delivers committed rows
(app.notifications.sender). A rolled-back change sends nothing.
"""
