"""Helpers and fields shared by every domain's forms.

Every form takes its number and identifier fields from here, never from wtforms directly:
an integer the database cannot store (above 2^31 - 1 on PostgreSQL's INTEGER columns; SQLite's
driver raises OverflowError above 2^63) is refused on the field with a French message instead
of reaching a query as a 500. tests/security/test_form_fields.py finds any form that does not.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import Field, HiddenField, SelectMultipleField
from wtforms import IntegerField as _WTFormsIntegerField
from wtforms.widgets import CheckboxInput, ListWidget, MonthInput, Select

from app.errors import DomainError, Forbidden, NotFound
from app.urls import MAX_ID, parse_id

# The largest magnitude an integer field accepts (INTEGER columns).
MAX_INTEGER = MAX_ID
_MAX_DIGITS = len(str(MAX_INTEGER))


class IntegerField(_WTFormsIntegerField):
    """wtforms' IntegerField, bounded to what an INTEGER column holds, with French messages."""

    def __init__(self, label=None, validators=None, invalid_value_message=None, **kwargs):
        super().__init__(label, validators,
                         invalid_value_message=invalid_value_message or _l("Saisissez un nombre entier."), **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        digits = raw[1:] if raw[:1] in "+-" else raw
        if digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) > _MAX_DIGITS:
            self.data = None
            raise ValueError(str(_l("Ce nombre est trop grand.")))
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > MAX_INTEGER:
            self.data = None
            raise ValueError(str(_l("Ce nombre est trop grand.")))


class IdField(HiddenField):
    """A hidden identifier: `data` is a positive int the database can hold, or None."""

    def process_formdata(self, valuelist):
        self.data = parse_id(valuelist[0]) if valuelist else None

    def _value(self):
        return "" if self.data is None else str(self.data)


class MonthField(Field):
    """A month chosen with the browser's month picker (`<input type="month">`).

    `data` is the first day of the month (a date) or None. The value is parsed on the server by
    app.months.parse_month (1900-2100), so a browser without a picker may still type "2026-03";
    anything else is refused on the field with a French message.
    """

    widget = MonthInput()

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "") or ""
        if not str(raw).strip():
            self.data = None
            return
        from app.errors import ValidationFailed
        from app.months import parse_month

        try:
            self.data = parse_month(str(raw), field=self.name)[0]
        except ValidationFailed as error:
            self.data = None
            raise ValueError(error.message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m") if self.data else ""


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (rendered by the `field` macro as a fieldset with a legend), ids as ints."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", bounded_int)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        values = [value for value in valuelist if str(value).strip()]
        try:
            self.data = [self.coerce(value) for value in values]
        except (ValueError, TypeError):
            self.data = []
            raise ValueError(str(_l("Choisissez dans la liste."))) from None

    def pre_validate(self, form):
        values = {value for value, *_rest in self.iter_choices()}
        for datum in self.data or []:
            if datum not in values:
                from wtforms.validators import ValidationError

                raise ValidationError(str(_l("Choisissez dans la liste.")))


def bounded_int(value) -> int:
    """`coerce=` for SelectField and friends: int(), refusing what the database cannot hold."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if len(text.lstrip("+-").lstrip("0")) > _MAX_DIGITS:
            raise ValueError("too large")
        number = int(text)
    if abs(number) > MAX_INTEGER:
        raise ValueError("too large")
    return number


class FlaskForm(_FlaskForm):
    """The base of every form of the application (import it from here, not from flask_wtf).

    It renders valid HTML whatever the page holds:
    - hidden inputs (the CSRF token first) get no `id`: a page with several forms
      would otherwise repeat `id="csrf_token"`, and no label ever points at them;
    - a required single `select` whose first option is a real choice (or that has no
      option) is not marked `required`: HTML allows it only with an empty first option
      (such a select always has a value); it gets `aria-required` instead, so assistive
      technologies still say so.
    """

    class Meta(_FlaskForm.Meta):
        def render_field(self, field, render_kw):
            widget = field.widget
            if getattr(widget, "input_type", None) == "hidden":
                render_kw = {"id": False, **render_kw}
            elif isinstance(widget, Select) and not widget.multiple:
                first = next(iter(field.iter_choices()), None)
                if field.flags.required and (first is None or first[0] not in ("", None)):
                    render_kw = {**render_kw, "required": False, "aria_required": "true"}
            return super().render_field(field, render_kw)


def show_domain_error(form, error: DomainError) -> None:
    """Show a refused use case on the form: next to its field when the error names one
    of the form's fields, else in the form's error summary."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


# What a view never shows as a refusal on its page: a missing (or another household's) object and
# a refused access keep their own 404 and 403 pages, whatever the form.
_NEVER_ON_THE_FORM = (403, 404)


@dataclass(frozen=True)
class Outcome:
    """What `attempt` and `submit` did: true when the use case ran (`value` is what it returned)."""

    done: bool
    value: Any = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.done


def attempt(call: Callable[[], Any], *, form=None, success=None, summary: bool = False) -> Outcome:
    """Run a view's use case (`call`, without argument) and report it to the user.

    On success, `success` is flashed (a message, or a function of the use case's result giving one)
    and the outcome is true. A refused use case (DomainError) is shown next to its field or in the
    form's summary when there is a `form` (always in the summary with `summary=True`), else flashed
    as an error, and the outcome is false.
    NotFound and Forbidden (or any error answering 404 or 403) are always raised again: they are
    never turned into a message on the page.
    """
    try:
        value = call()
    except DomainError as error:
        if isinstance(error, (NotFound, Forbidden)) or error.http_status in _NEVER_ON_THE_FORM:
            raise
        if form is not None and summary:
            form.form_errors.append(error.message)
        elif form is not None:
            show_domain_error(form, error)
        else:
            flash(error.message, "error")
        return Outcome(False, error=error)
    if success is not None:
        flash(success(value) if callable(success) else success, "success")
    return Outcome(True, value)


def submit(form, call: Callable[[], Any], *, success=None, on_submit: bool = True, summary: bool = False) -> Outcome:
    """The form-view skeleton: validate the form, then `attempt` the use case on it.

    The form is validated with `validate_on_submit()` (POST only), or `validate()` when
    `on_submit` is false. An invalid form gives a false outcome without calling anything.
    """
    valid = form.validate_on_submit() if on_submit else form.validate()
    if not valid:
        return Outcome(False)
    return attempt(call, form=form, success=success, summary=summary)
