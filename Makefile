# Quick start: `make run` starts the hub; `make test` runs every test.
# Both create .venv and install what is missing (Debian packages too, when root).
# (PostgreSQL is optional for running: `run.py --database postgresql://...`, docs/operations.md.)

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.deps-installed
# espeak-ng: the offline Indonesian voice; alsa-utils: `aplay` for hub-side playback.
DEB_RUN  := espeak-ng alsa-utils
# chromium: real browser for the page tests; postgresql: the tests start their own PostgreSQL server
# (initdb + pg_ctl in a temporary folder) for the store on PostgreSQL and several hub processes.
DEB_TEST := $(DEB_RUN) chromium fonts-dejavu-core postgresql

HOST ?= 0.0.0.0
PORT ?= 8000
ARGS ?=

.PHONY: run test lint bench system-deps-run system-deps-test clean

run: system-deps-run $(STAMP)
	$(PY) run.py --host $(HOST) --port $(PORT) $(ARGS)

test: system-deps-test $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) bench/hub_bench.py

# The hub runs without them (calls as text only), so `make run` goes on.
system-deps-run:
	@sh tools/system-deps.sh $(DEB_RUN) || echo "Going on without them: spoken calls will be unavailable."

system-deps-test:
	@sh tools/system-deps.sh $(DEB_TEST)

$(STAMP): pyproject.toml
	@python3 -c 'import ensurepip' 2>/dev/null || sh tools/system-deps.sh python3-venv
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] + p['optional-dependencies']['test']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
