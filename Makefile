# Pitchoun: `make run` serves the demo on SQLite, `make test` runs the whole suite,
# `make test-fast` the quick loop (no browser, no slow tests, in parallel).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast test-dates lint venv translations chromium pdftools testtools demo migrate clean extract-messages

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $@

translations: venv
	$(VENV)/bin/pybabel compile --statistics -d app/translations

migrate: venv
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo --if-empty

run: translations demo
	$(FLASK) run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium"; exit 1; fi; }

# PDF invoices and certificates: WeasyPrint needs Debian's pango and a font; their tests read the PDFs
# back with pdftotext (poppler-utils).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
pdftools:
	@{ command -v pdftotext >/dev/null 2>&1 && ldconfig -p | grep -q libpangoft2-1.0; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	  else echo "missing for the PDFs: sudo apt-get install $(PDF_PACKAGES)"; exit 1; fi; }

# Test tools from npm, pinned in package-lock.json: the W3C Nu HTML Checker (`vnu-jar`, run on the
# system Java) and Mozilla's ical.js (reads the calendars as Thunderbird does).
# --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime.
testtools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v java >/dev/null 2>&1 || { echo "java is missing: apt-get install default-jre-headless"; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: apt-get install npm"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test: venv translations chromium pdftools testtools
	$(PY) -m pytest $(PYTEST_ARGS)

# The loop while coding: no browser, no slow test (concurrency, fuzz, schemathesis, property files),
# on pytest-xdist workers, each with its own database (tests/conftest.py) and uploads directory.
FAST_WORKERS ?= 2
test-fast: venv translations testtools
	$(PY) -m pytest -q -n $(FAST_WORKERS) -m "not browser and not slow" $(PYTEST_ARGS)

# The date-sensitive tests again with the clock set to the days that break date code:
# the end of February, 31 December, the night of the new year (Paris ahead of UTC) and
# the two time changes (see tests/clock_scenarios.py). `PITCHOUN_TODAY=dec-31 make test`
# runs the whole suite on one of them.
CLOCK_SCENARIOS ?= month-end dec-31 new-year-night spring-forward fall-back
test-dates: venv translations
	@for day in $(CLOCK_SCENARIOS); do \
	  echo "== clock set to $$day"; \
	  PITCHOUN_TODAY=$$day $(PY) -m pytest -q -m "dates and not browser" $(PYTEST_ARGS) || exit 1; \
	done

# The conventions a tool enforces (pyproject.toml, .importlinter): ruff (with the banned clock and
# time-zone calls), the import contracts of the architecture, mypy strict on the services.
# `.venv/bin/pre-commit install` runs the same checks before each commit.
lint: venv
	$(VENV)/bin/ruff check app tests bench tools migrations/env.py
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

extract-messages: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -c Translators: -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations

clean:
	rm -rf $(VENV) node_modules instance/pitchoun.db*
