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


def test_only_a_conjunction_of_negations_lets_whole_modules_go_uncollected():
    from tests.conftest import deselected_markers

    assert deselected_markers("not browser and not slow") == {"browser", "slow"}
    assert deselected_markers("not slow") == {"slow"}
    for expression in ("", "slow", "dates and not browser", "not slow or browser", "not (slow and browser)"):
        assert deselected_markers(expression) == set(), expression


def test_a_module_marked_slow_is_not_imported_by_the_fast_loop_and_is_by_make_test(tmp_path):
    from tests.conftest import pytest_ignore_collect

    class Config:
        def __init__(self, markexpr):
            self.markexpr = markexpr

        def getoption(self, name):
            assert name == "markexpr"
            return self.markexpr

    fast, whole = Config("not browser and not slow"), Config("")
    slow = tmp_path / "test_slow_module.py"
    slow.write_text("import pytest\n\npytestmark = [pytest.mark.slow, pytest.mark.skipif(False, reason='x')]\n")
    browser = tmp_path / "test_browser_module.py"
    browser.write_text("import pytest\npytestmark = pytest.mark.browser\n")
    plain = tmp_path / "test_plain_module.py"
    plain.write_text("import pytest\n\n@pytest.mark.slow\ndef test_x():\n    pass\n")
    assert pytest_ignore_collect(slow, fast) is True
    assert pytest_ignore_collect(browser, fast) is True
    assert pytest_ignore_collect(plain, fast) is None  # its slow tests are deselected one by one
    assert all(pytest_ignore_collect(path, whole) is None for path in (slow, browser, plain))
    assert pytest_ignore_collect(slow, Config("dates and not browser")) is None
