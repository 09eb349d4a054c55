"""Inclusion answers the draw's "reception plan" priority, and nothing more."""
from app.booking import allocation
from app.inclusion.plans import has_active_plan
from tests.booking.factories import make_parent_with_child, make_site


def test_reception_plan_priority_is_registered_and_false_without_a_plan():
    site = make_site()
    _parent, _household, child = make_parent_with_child()
    from app.booking.registry import booking_registry

    assert has_active_plan in booking_registry().priority_providers["reception_plan"]
    assert allocation.provided("reception_plan", child, site) is False
