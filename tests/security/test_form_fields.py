"""The kind of mistake behind "an identifier above 2^63 in a form gives a 500" (issue 17, item 10).

A number field that accepts any integer hands the database a value its INTEGER columns cannot
hold: SQLite's driver raises OverflowError, PostgreSQL a DataError, both a 500. Every form of
the application takes its integer fields from app.forms (bounded, French message); this test
reads every form class and names any field that does not, so a new form cannot bring it back.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField as WTFormsIntegerField
from wtforms.fields import IntegerRangeField, SelectFieldBase
from wtforms.fields.core import UnboundField

import app as app_package
from app.forms import IdField, IntegerField, bounded_int


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("app.")]


def test_every_integer_field_of_every_form_is_bounded():
    classes = _form_classes()
    assert len(classes) > 30, "the forms were not found"
    problems = []
    for cls in classes:
        for name in dir(cls):
            field = getattr(cls, name, None)
            if not isinstance(field, UnboundField):
                continue
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            kind = field.field_class
            if issubclass(kind, (WTFormsIntegerField, IntegerRangeField)) and not issubclass(kind, IntegerField):
                problems.append(f"{where}: {kind.__name__} from wtforms; use app.forms.IntegerField")
            if issubclass(kind, SelectFieldBase) and field.kwargs.get("coerce") is int \
                    and field.kwargs.get("validate_choice") is False:
                problems.append(f"{where}: coerce=int without choice validation; use coerce=app.forms.bounded_int")
    assert not problems, "\n".join(problems)


class _Numbers(FlaskForm):
    class Meta:
        csrf = False

    count = IntegerField()
    ref = IdField()


@pytest.mark.parametrize("raw", ["2147483648", "9223372036854775808", "-9223372036854775809",
                                 "1" + "0" * 30, "9" * 5000])
def test_the_bounded_fields_refuse_what_the_database_cannot_hold(app, raw):
    with app.test_request_context():
        form = _Numbers(formdata=MultiDict({"count": raw, "ref": raw}))
        assert not form.validate()
        assert form.count.data is None and form.count.errors == ["Ce nombre est trop grand."] or \
            form.count.errors == ["Saisissez un nombre entier."]
        assert form.ref.data is None
    with pytest.raises(ValueError):
        bounded_int(raw)


def test_the_bounded_fields_keep_ordinary_numbers(app):
    with app.test_request_context():
        form = _Numbers(formdata=MultiDict({"count": "-12", "ref": "2147483647"}))
        assert form.validate()
        assert form.count.data == -12 and form.ref.data == 2147483647
    assert bounded_int("42") == 42
