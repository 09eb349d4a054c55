"""The markers tell the truth: a test that starts Chromium is refused at collection without `browser`."""
from __future__ import annotations

from tests.conftest import unmarked_browser_tests


class FakeItem:
    def __init__(self, nodeid, fixturenames, marker=None):
        self.nodeid, self.fixturenames, self._marker = nodeid, fixturenames, marker

    def get_closest_marker(self, name):
        return self._marker if name == self._marker else None


def test_a_browser_fixture_without_the_marker_is_reported():
    items = [FakeItem("a", ["app", "page_factory"]), FakeItem("b", ["browser"], marker="slow"),
             FakeItem("c", ["page_factory", "browser"], marker="browser"), FakeItem("d", ["client"])]
    assert unmarked_browser_tests(items) == ["a", "b"]



def test_every_sweep_left_to_make_test_exists():
    """A renamed test in SLOW_IN_FAST_LOOP would silently come back into the fast loop."""
    import importlib
    import inspect

    from tests.conftest import SLOW_IN_FAST_LOOP

    for path, name in SLOW_IN_FAST_LOOP:
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert inspect.isfunction(getattr(module, name, None)), f"{path}::{name} is not a test any more"


def test_the_fast_loop_deselects_the_sweeps_but_keeps_their_anonymous_column(pytestconfig):
    from tests.conftest import mark_slow_in_fast_loop

    class Spec:
        def __init__(self, id_):
            self.id = id_

    class Item:
        def __init__(self, nodeid, originalname, callspec=None):
            self.nodeid, self.originalname, self.name = nodeid, originalname, originalname
            self.markers = []
            if callspec:
                self.callspec = Spec(callspec)

        def add_marker(self, marker):
            self.markers.append(marker.name)

    sweep = "tests/test_route_sweep.py::test_every_route_answers_each_role_as_declared"
    items = [Item(sweep + "[admin]", sweep.split("::")[1], "admin"),
             Item(sweep + "[anonymous]", sweep.split("::")[1], "anonymous"),
             Item("tests/test_migrations.py::test_every_migration_goes_down_and_up_again",
                  "test_every_migration_goes_down_and_up_again"),
             Item("tests/test_markers.py::test_a_browser_fixture_without_the_marker_is_reported",
                  "test_a_browser_fixture_without_the_marker_is_reported")]
    mark_slow_in_fast_loop(items)
    assert [item.markers for item in items] == [["slow"], [], ["slow"], []]
