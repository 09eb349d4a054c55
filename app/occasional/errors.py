"""Occasional care's domain errors: stable codes, French messages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.booking.errors import ChildNotFound  # noqa: F401  (the same error as booking's)
from app.errors import Conflict, NotFound, ValidationFailed


class RangeNotAligned(ValidationFailed):
    code = "range_not_aligned"
    default_message = _l("Les heures de début et de fin doivent tomber sur une demi-heure "
                         "(par exemple 5 h 30 ou 6 h 00).")


class InvalidRange(ValidationFailed):
    code = "invalid_range"
    default_message = _l("L'heure de fin doit être après l'heure de début.")


class OutsideOpeningHours(ValidationFailed):
    code = "outside_opening_hours"
    default_message = _l("La structure n'est pas ouverte sur toute cette plage horaire.")


class RequestRefused(Conflict):
    """A rule refuses one request; patterns report it per occurrence."""

    code = "request_refused"


class AgeOutOfRange(RequestRefused):
    code = "age_out_of_range"
    default_message = _l("L'âge de l'enfant ne correspond pas à cette structure.")


class DayInPast(RequestRefused):
    code = "day_in_past"
    default_message = _l("Cette plage horaire est déjà commencée ou passée.")


class AlreadyRequested(RequestRefused):
    code = "already_requested"
    default_message = _l("Cet enfant a déjà une demande sur une plage qui chevauche celle-ci ce jour-là.")


class Closed(RequestRefused):
    code = "provider_closed"
    default_message = _l("La structure est fermée ce jour-là.")


class BlocksFull(Conflict):
    code = "blocks_full"
    default_message = _l("Il n'y a plus de place sur une partie de cette plage horaire.")


class NotCancellable(Conflict):
    code = "not_cancellable"
    default_message = _l("Cette demande n'est plus active.")


class NotPending(Conflict):
    code = "not_pending"
    default_message = _l("Cette demande urgente a déjà reçu une réponse.")


class NotTransmittable(Conflict):
    code = "not_transmittable"
    default_message = _l("Seule une demande en liste d'attente ou refusée peut être transmise au Relais.")


class InvalidPattern(ValidationFailed):
    code = "invalid_pattern"


class ProviderNotFound(NotFound):
    code = "provider_not_found"
