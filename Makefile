# Two commands do everything: `make run` and `make test`.
# Each creates .venv and installs what is missing; a requirements file that
# changed since the last install is installed again.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test lint bench demo clean

$(PY):
	@sh scripts/make-venv.sh $(PYTHON) $(VENV)

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# --no-compile: pip would byte-compile every module of every package (a third of the
# install); the suite compiles the ones it imports, once, since it may write bytecode.
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --no-compile -r requirements.txt -r requirements-dev.txt
	touch $(RUN_STAMP) $@

## run: with Slack tokens, the bot and the web app (Procfile); without, the web app on a demo database
run: $(RUN_STAMP)
	$(PY) -m checkin.launch

## test: the whole suite (unit, end-to-end against a local fake Slack, web app, browser), in parallel
# --dist loadscope keeps each test module on one worker, so a module-scoped fixture (a web
# app, a browser, a database built once) is set up once. (loadgroup cannot group under
# pytest 9: xdist 3.8 sets item._nodeid, which pytest 9 no longer reads.)
# --no-loadscope-reorder: modules go out in collection order, which tests/conftest.py puts
# longest first (xdist's own order, most tests first, left the longest modules to the end).
# One worker more than the cores: many tests wait (the fake Slack's rate limits and retries,
# a browser, a bot process starting); on 2 cores, warm, 3 workers took 2:37 and 4 took 2:48
# back to back; 2 took 4:25.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
# The tests' databases and files go to a RAM disk when there is a roomy one (a container's
# default 64 MB /dev/shm is not): each test makes and syncs its own SQLite files.
TEST_TMP ?= $(shell sh scripts/test-tmp.sh)
test: $(DEV_STAMP)
	@sh scripts/ensure-chromium.sh
	env -u PYTHONDONTWRITEBYTECODE $(if $(TEST_TMP),TMPDIR=$(TEST_TMP)) \
		$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

## lint: ruff (check and format) and the import contracts in pyproject.toml
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

## bench: print figures: the bot's ack latency and outbox pick-up against the fake Slack, the weekly report
bench: $(DEV_STAMP)
	$(PY) bench/ack_latency.py
	$(PY) bench/outbox_fanout.py
	$(PY) bench/report.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
