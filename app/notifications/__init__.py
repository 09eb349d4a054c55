"""Notifications: the transactional outbox and its SMTP sender (shared kernel).

Any domain records a message with `enqueue(...)` inside its own transaction;
a sender delivers the committed rows. A rolled-back change sends nothing.
"""
