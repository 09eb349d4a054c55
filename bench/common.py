"""Shared helpers of the benchmarks: databases, gunicorn, percentiles, machine description."""
from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789abcdef"


def app_caller(depth: int = 3) -> str:
    """The innermost frames of the application (app/) on the stack: who issued a SQL statement."""
    import traceback

    root = str(Path(__file__).resolve().parent.parent / "app")
    frames = [f for f in traceback.extract_stack() if f.filename.startswith(root)]
    return " < ".join(f"{Path(f.filename).stem}.{f.name}" for f in reversed(frames[-depth:]))


def percentile(values, p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def machine() -> str:
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    return f"{platform.node()} · {cores} cores · Python {platform.python_version()} · load {load:.2f}"


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def fresh_database(kind: str, name: str) -> str:
    """A new empty database; returns its SQLAlchemy URL."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="pitchoun-bench-")) / f"{name}.db"
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{PG_SERVER}/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with the production configuration on 127.0.0.1 (`port`, or a free one)."""

    def __init__(self, app_spec: str, database_url: str, workers: int, extra_env: dict | None = None, *,
                 worker_class: str = "sync", backlog: int = 4096, extra_args: list[str] | None = None,
                 port: int | None = None):
        # `port`, else BENCH_PORT (a fixed port on a shared machine), else a free one.
        self.port = port or int(os.environ.get("BENCH_PORT") or free_port())
        env = {**os.environ, "PITCHOUN_CONFIG": "production", "SECRET_KEY": SECRET_KEY,
               "DATABASE_URL": database_url,
               "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
               "PYTHONPATH": str(ROOT), **(extra_env or {})}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (open for the server's lifetime)
            prefix="gunicorn-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--worker-class", worker_class, *(extra_args or []),
             "--backlog", str(backlog), "--timeout", "120", "--log-level", "warning", app_spec],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/v1/openapi.json", timeout=2).read()
                break
            except Exception:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("gunicorn did not start: see " + self.log.name) from None
                time.sleep(0.2)
        # Every worker imports the app lazily on its first request: warm them all.
        for _ in range(workers * 4):
            urllib.request.urlopen(self.url + "/api/v1/openapi.json", timeout=5).read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
