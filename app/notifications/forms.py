from __future__ import annotations

from wtforms import BooleanField

from app.forms import FlaskForm
from app.notifications.kinds import MessageKind


def field_name(kind: str) -> str:
    return "kind-" + kind.replace(".", "-").replace("_", "-")


def preferences_form(kinds: list[MessageKind], receives: dict[str, bool], formdata=None) -> FlaskForm:
    """A form with one checkbox per non-essential kind ("I receive these messages")."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in kinds:
        if not kind.essential:
            setattr(PreferencesForm, field_name(kind.kind), BooleanField(kind.label, default=receives[kind.kind]))
    if formdata is None:
        return PreferencesForm()
    return PreferencesForm(formdata=formdata)
