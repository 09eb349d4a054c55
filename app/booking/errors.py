"""Booking's domain errors: stable codes, French messages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.errors import Conflict, NotFound, ValidationFailed


class BookingRefused(Conflict):
    """A rule refuses one booking item; `book()` reports it per item."""

    code = "booking_refused"


class BookingNotOpen(BookingRefused):
    code = "booking_not_open"
    default_message = _l("Les réservations ne sont pas encore ouvertes pour cette date.")


class BookingClosed(BookingRefused):
    code = "booking_closed"
    default_message = _l("La date limite de réservation est passée.")


class ResidentsFirst(BookingRefused):
    code = "residents_first"
    default_message = _l("Les réservations sont d'abord réservées aux habitants du Grand Cahors.")


class AgeOutOfRange(BookingRefused):
    code = "age_out_of_range"
    default_message = _l("L'âge de l'enfant ne correspond pas à cette activité.")


class SessionCancelled(BookingRefused):
    code = "session_cancelled"
    default_message = _l("Cette séance est annulée.")


class AlreadyBooked(BookingRefused):
    code = "already_booked"
    default_message = _l("Cet enfant est déjà inscrit à cette séance.")


class OverlappingBooking(BookingRefused):
    code = "overlapping_booking"
    default_message = _l("Cet enfant est déjà inscrit à une autre séance à la même heure ce jour-là.")


class DrawPending(BookingRefused):
    code = "allocation_by_draw"
    default_message = _l("Les places de cette période sont attribuées par tirage au sort : faites une demande.")


class CancellationClosed(Conflict):
    code = "cancellation_closed"
    default_message = _l("Cette réservation ne peut plus être annulée.")


class NotCancellable(Conflict):
    code = "not_cancellable"
    default_message = _l("Cette réservation est déjà annulée.")


class InvalidSchedule(ValidationFailed):
    code = "invalid_schedule"


class SessionNotFound(NotFound):
    code = "session_not_found"


class ChildNotFound(NotFound):
    code = "child_not_found"
