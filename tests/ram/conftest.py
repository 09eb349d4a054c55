"""Relais tests run on a fixed day: their factories use fixed dates (a workshop on 12 January 2027,
a demand starting on 1 March 2027, availability declared on 15 November 2026) that would become
past on a later day (`make test-dates`), so no test may depend on the day it runs."""
from __future__ import annotations

import pytest
import time_machine

from tests.ram.factories import NOW


@pytest.fixture(autouse=True)
def _relais_today(request):
    if request.node.get_closest_marker("browser"):
        yield  # the browser tests serve the app from another thread: real time
        return
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _ram_index_version(app):
    """The migration's one version row (tests build the schema with create_all), and no cached
    index from an earlier test (each test starts again from version 0)."""
    from app.extensions import db
    from app.ram.models import RamIndexVersion

    app.extensions.pop("ram_index_cache", None)
    db.session.add(RamIndexVersion(id=1, version=0))
    db.session.commit()
    yield
    app.extensions.pop("ram_index_cache", None)
