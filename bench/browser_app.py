"""The production app for bench/browser_rush.py, with one difference: cheaper argon2 parameters.

gunicorn serves it as 'bench.browser_app:create_app()'. The rush's parents log in before bookings
open; at the production parameters (t=3, 64 MiB) each log-in costs 0.1-1.6 s of CPU on the bench
machine, so 2,500 of them would be the whole benchmark. The parents' password hashes are made with the
same cheap parameters (bench/rush.build hashes with the app's parameters), so no log-in rehashes.
"""
from __future__ import annotations

from app import create_app as create_production_app

CHEAP_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


def create_app():
    app = create_production_app()
    app.config.update(CHEAP_ARGON2)
    return app
