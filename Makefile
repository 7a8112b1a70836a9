PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.souk-installed
PYTEST_ARGS ?=

.PHONY: install up down status logs test lint bench postman

install: $(INSTALLED)

# Debian's python3 needs the python3-venv package for this; install it like nginx is.
$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv \
				&& $(PYTHON) -m venv $(VENV); \
		else \
			echo "cannot create $(VENV); run: sudo apt-get install -y python3-venv" >&2; exit 1; \
		fi; \
	}

# Reinstall only when the dependencies may have changed.
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

up: $(INSTALLED)
	$(PY) -m launcher up $(if $(filter 1,$(DETACH)),--detach)

down: $(INSTALLED)
	$(PY) -m launcher down

status: $(INSTALLED)
	$(PY) -m launcher status

logs:
	tail -n 20 -F $${SOUK_LOG_DIR:-var/log}/*.log

test: $(INSTALLED)
	$(PY) -m launcher ensure-nginx
	$(PY) -m launcher ensure-chromium
	$(PY) -m pytest libs services tests $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

bench: $(INSTALLED)
	$(PY) -m bench

# The Postman collection and environment in clients/, from the services' OpenAPI documents.
postman: $(INSTALLED)
	$(PY) -m clients.postman
