"""app.forms.submit and attempt: the one form-view skeleton (issue 21, item 5).

Validate the form, call the use case, show a refusal next to its field (or in the form's summary,
or as a flashed error without a form), flash the success; a missing object or a refused access is
never turned into a message: NotFound and Forbidden are raised again, with or without a form.
"""
from __future__ import annotations

import pytest
from flask import get_flashed_messages, request
from wtforms import StringField
from wtforms.validators import DataRequired

from app.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from app.forms import FlaskForm, Outcome, attempt, submit


class NameForm(FlaskForm):
    name = StringField("Nom", validators=[DataRequired()])


def _form(app, data: dict | None = None, method: str = "POST"):
    """A form bound to a request of its own (no CSRF: the helper, not the token, is tested)."""
    context = app.test_request_context("/", method=method, data=data or {})
    context.push()
    return context, NameForm(meta={"csrf": False})


@pytest.fixture
def request_form(app):
    pushed = []

    def make(data: dict | None = None, method: str = "POST"):
        context, form = _form(app, data, method)
        pushed.append(context)
        return form

    yield make
    for context in reversed(pushed):
        context.pop()


def _raise(error: DomainError):
    def call():
        raise error
    return call


def test_success_calls_the_use_case_flashes_and_gives_its_result(request_form):
    form = request_form({"name": "Léa"})
    calls = []
    outcome = submit(form, lambda: calls.append(form.name.data) or 42, success="Enregistré.")
    assert outcome and outcome.value == 42 and outcome.error is None
    assert calls == ["Léa"]
    assert get_flashed_messages(with_categories=True) == [("success", "Enregistré.")]
    assert form.errors == {} and form.form_errors == []


def test_the_success_message_may_be_built_from_the_result(request_form):
    form = request_form({"name": "Léa"})
    assert submit(form, lambda: 3, success=lambda count: f"{count} enfants inscrits.")
    assert get_flashed_messages(with_categories=True) == [("success", "3 enfants inscrits.")]


def test_an_invalid_form_calls_nothing(request_form):
    form = request_form({"name": ""})
    calls = []
    outcome = submit(form, lambda: calls.append(1), success="Enregistré.")
    assert not outcome and outcome.value is None and outcome.error is None
    assert calls == [] and get_flashed_messages() == []
    assert form.name.errors


def test_a_get_request_is_not_a_submission_unless_asked(app):
    calls = []
    with app.test_request_context("/?name=L%C3%A9a", method="GET"):
        # A search form reads the query string: `on_submit=False` validates it on a GET.
        assert not submit(NameForm(request.args, meta={"csrf": False}), lambda: calls.append(1))
        assert calls == []
        assert submit(NameForm(request.args, meta={"csrf": False}), lambda: calls.append(2), on_submit=False)
        assert calls == [2]


def test_a_refusal_naming_a_field_goes_beside_that_field(request_form):
    form = request_form({"name": "Léa"})
    refusal = ValidationFailed("Ce nom est déjà pris.", field="name")
    outcome = submit(form, _raise(refusal), success="Enregistré.")
    assert not outcome and outcome.error is refusal
    assert form.name.errors == ["Ce nom est déjà pris."]
    assert form.form_errors == []
    assert get_flashed_messages() == []


def test_a_refusal_without_field_goes_to_the_form_summary(request_form):
    form = request_form({"name": "Léa"})
    assert not submit(form, _raise(Conflict("Plus de place.")), success="Enregistré.")
    assert form.form_errors == ["Plus de place."] and form.name.errors == []
    assert get_flashed_messages() == []


def test_a_refusal_naming_a_field_the_form_does_not_have_goes_to_the_summary(request_form):
    form = request_form({"name": "Léa"})
    assert not submit(form, _raise(ValidationFailed("Date non valide.", field="day")))
    assert form.form_errors == ["Date non valide."]


def test_summary_puts_every_refusal_in_the_summary(request_form):
    form = request_form({"name": "Léa"})
    assert not submit(form, _raise(ValidationFailed("Trop d'étapes.", field="name")), summary=True)
    assert form.form_errors == ["Trop d'étapes."] and form.name.errors == []


def test_without_a_form_a_refusal_is_flashed_as_an_error(request_form):
    request_form()
    outcome = attempt(_raise(Conflict("Déjà annulée.")), success="Annulée.")
    assert not outcome
    assert get_flashed_messages(with_categories=True) == [("error", "Déjà annulée.")]


class ChildNotFound(NotFound):
    code = "child_not_found"


class AnsweredAs404(DomainError):
    http_status = 404


@pytest.mark.parametrize("error", [NotFound(), Forbidden(), ChildNotFound(), AnsweredAs404(),
                                   NotFound("Introuvable.", field="name"), Forbidden(field="name")],
                         ids=["not-found", "forbidden", "not-found-subclass", "http-404", "not-found-with-field",
                              "forbidden-with-field"])
@pytest.mark.parametrize("with_form", [True, False], ids=["form", "flash"])
def test_not_found_and_forbidden_are_always_raised_again(request_form, error, with_form):
    form = request_form({"name": "Léa"})
    with pytest.raises(type(error)) as raised:
        if with_form:
            submit(form, _raise(error), success="Enregistré.")
        else:
            attempt(_raise(error), success="Enregistré.")
    assert raised.value is error
    assert form.errors == {} and form.form_errors == []
    assert get_flashed_messages() == []


def test_other_exceptions_are_not_caught(request_form):
    form = request_form({"name": "Léa"})

    def broken():
        raise ValueError("bug")

    with pytest.raises(ValueError):
        submit(form, broken)
    assert get_flashed_messages() == []


def test_an_outcome_is_true_only_when_the_use_case_ran():
    assert Outcome(True, None) and not Outcome(False, 1)
