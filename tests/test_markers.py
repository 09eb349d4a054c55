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

