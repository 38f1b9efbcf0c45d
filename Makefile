# Two commands on a fresh machine: `make run` and `make test` (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help run dev test test-s3 lint format venv system-deps run-deps messages worker beat clean bench verify-tool

help:
	@echo "make run    - serve http://127.0.0.1:$(PORT) (SQLite, in-process tasks, built-in CA)"
	@echo "make dev    - the same with Django's development server (reloads on changes)"
	@echo "make test   - the test suite (PostgreSQL and Redis when they answer)"
	@echo "make test-s3 - the test suite with documents in a loopback S3 bucket (Object Lock)"
	@echo "make lint   - ruff, mypy, import-linter, migrations check"
	@echo "make verify-tool - the offline evidence package verifier in var/verify-tool/"

$(VENV)/.synced: pyproject.toml uv.lock
	@py=$$(tools/find-python312) || exit 1; \
	$$py -m uv --version >/dev/null 2>&1 || $$py -m pip install --quiet --disable-pip-version-check 'uv>=0.5'; \
	UV_PYTHON=$$py $$py -m uv sync --frozen --quiet
	@touch $@

venv: $(VENV)/.synced

system-deps:
	@tools/system-deps

run-deps:
	@tools/system-deps --run

messages: venv run-deps
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

# Certificates and the TSA URL name the address the server really listens on.
run: export ECONTRACT_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: venv messages
	@PORT=$(PORT) VENV=$(VENV) tools/serve

dev: export ECONTRACT_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
dev: venv messages
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py localca init
	@# No broker in embedded mode: the beat schedule runs in a side process, ended with the server.
	@$(PY) manage.py periodic --loop & trap "kill $$! 2>/dev/null" EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Two processes (pytest-xdist): the tests wait on browsers, workers and TSAs as much as they
# compute, so two fit on two cores. Tests go out in collection order, which keeps the browser
# tests last in each process (tests/browser.py: while Playwright is open, asyncio.run fails);
# "--dist loadfile" would bring them back beside their files' other tests.
PYTEST_ARGS ?= -n 2

test: venv system-deps messages
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite with contract documents in a locked bucket on a loopback S3 server (moto).
test-s3: venv system-deps messages
	$(PY) -m tests.run_on_s3 $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run -v 0

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

VERIFY_TOOL := var/verify-tool

# The offline verifier (tools/econtract-verify) in a venv of its own, as a reader installs it.
# --reinstall-package: uv's cache does not notice changes of the kernel modules it ships.
verify-tool:
	@py=$$(tools/find-python312) || exit 1; \
	$$py -m uv --version >/dev/null 2>&1 || $$py -m pip install --quiet --disable-pip-version-check 'uv>=0.5'; \
	$$py -m uv venv --quiet --allow-existing --python $$py $(VERIFY_TOOL) && \
	$$py -m uv pip install --quiet --python $(VERIFY_TOOL)/bin/python --reinstall-package econtract-verify tools/econtract-verify
	@echo "$(VERIFY_TOOL)/bin/econtract-verify package.zip --trust root.pem"

worker: venv
	$(VENV)/bin/celery -A econtract worker -l info

beat: venv
	$(VENV)/bin/celery -A econtract beat -l info

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
