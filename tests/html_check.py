"""The W3C Nu HTML Checker (vnu.jar, npm package `vnu-jar`), started once per test session.

`make test` installs it with `npm ci` (package.json at the root). The checker
runs as its HTTP service in ONE Java process for the whole session, started
on first use on a free port of 127.0.0.1 and stopped at exit; every page
(the crawl of tests/test_html_validity.py, each screen of the e2e journeys)
is posted to it. Only errors count (`--errors-only`): warnings and
information messages are left out.

`html_errors(html)` returns the errors as readable lines; `assert_valid_html`
fails with them; `warm_up()` starts the checker while the pages are being made.
A missing checker is a failure, never a skip.
"""
from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = Path(os.environ.get("VNU_JAR") or ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")

_lock = threading.Lock()
_service: _NuService | None = None


class _NuService:
    def __init__(self) -> None:
        java = shutil.which("java")
        assert java, "java is missing: the Nu HTML Checker needs Java 11+ (apt-get install default-jre-headless)"
        assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `npm ci` at the root of the project (make test does)"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [java, "-Xss1m", "-Dnu.validator.servlet.bind-address=127.0.0.1",
             "-cp", str(VNU_JAR), "nu.validator.servlet.Main", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.stop)
        self.url = f"http://127.0.0.1:{self.port}/?out=json&level=error"
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the Nu HTML Checker stopped while starting"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                self.check("<!doctype html><html lang=fr><title>t</title></html>")
                return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("the Nu HTML Checker did not start within two minutes")

    def check(self, html: str) -> list[dict]:
        import requests

        response = requests.post(self.url, data=html.encode("utf-8"), timeout=120,
                                 headers={"Content-Type": "text/html; charset=utf-8"})
        response.raise_for_status()
        return [m for m in response.json()["messages"] if m.get("type") in ("error", "non-document-error")]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _checker() -> _NuService:
    global _service
    with _lock:
        if _service is None or _service.process.poll() is not None:
            _service = _NuService()
        return _service


def warm_up() -> None:
    """Start the checker in the background (it takes about half a minute to read the
    HTML specification): call it before the work that produces the pages."""
    threading.Thread(target=_checker, daemon=True).start()


def html_errors(html: str) -> list[str]:
    """The checker's errors on one page, as `line:column message «extract»` lines."""
    lines = html.splitlines()
    found = []
    for message in _checker().check(html):
        line = message.get("lastLine") or message.get("firstLine") or 0
        source = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
        found.append(f"{line}:{message.get('lastColumn', 0)} {message['message']}  «{source}»")
    return found


def assert_valid_html(html: str, where: str) -> None:
    errors = html_errors(html)
    assert not errors, f"invalid HTML on {where} ({len(errors)} errors):\n" + "\n".join(errors)
