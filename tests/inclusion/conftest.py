"""Inclusion tests run on a fixed day: a director's access to a child's file depends on today
(it ends some months after the last booked day), so no test may depend on the day it runs."""
from __future__ import annotations

import pytest
import time_machine

from tests.booking.factories import NOW


@pytest.fixture(autouse=True)
def _inclusion_today(request):
    if request.node.get_closest_marker("browser"):
        yield  # the browser tests serve the app from another thread: real time
        return
    with time_machine.travel(NOW, tick=True):
        yield
