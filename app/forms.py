"""Helpers shared by every domain's forms."""
from __future__ import annotations

from flask_wtf import FlaskForm as _FlaskForm
from wtforms.widgets import Select

from app.errors import DomainError


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
