"""Helpers shared by every domain's forms."""
from __future__ import annotations

from app.errors import DomainError


def show_domain_error(form, error: DomainError) -> None:
    """Show a refused use case on the form: next to its field when the error names one
    of the form's fields, else in the form's error summary."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [error.message]
    else:
        form.form_errors.append(error.message)
