# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

# Demo settings for `make run` only: fixed, published, and refused by nothing but this laptop.
DEMO_IVR_USERNAME := demo-ivr
DEMO_IVR_PASSWORD := demo-ivr-password
DEMO_CHECKOUT_TOKEN := demo-checkout-token
DEMO_ADMIN_USERNAME := admin
DEMO_ADMIN_PASSWORD := demo-admin-password
# Events go to the example receiver: `make receiver` (or the README's one line) in another terminal.
DEMO_WEBHOOK_PORT := 8081
DEMO_WEBHOOK_SECRET := whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDAx
DEMO_ENV := IVR_ENV=development IVR_USERNAME=$(DEMO_IVR_USERNAME) \
	IVR_PASSWORD=$(DEMO_IVR_PASSWORD) CHECKOUT_API_TOKEN=$(DEMO_CHECKOUT_TOKEN) \
	IVR_WEBHOOK_URL=http://127.0.0.1:$(DEMO_WEBHOOK_PORT)/ IVR_WEBHOOK_SECRET=$(DEMO_WEBHOOK_SECRET)
FLASK := $(DEMO_ENV) $(BIN)/flask --app wsgi

.PHONY: run receiver test bench install install-dev clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	@$(FLASK) db upgrade
	@$(FLASK) ivr demo
	@$(FLASK) ivr generate-data --hook-calls 6000 --transactions 700 --days 30 --if-empty
	@$(FLASK) ivr create-user $(DEMO_ADMIN_USERNAME) --role admin --password $(DEMO_ADMIN_PASSWORD) --update
	@echo
	@echo "IVR hooks:     http://127.0.0.1:$(PORT)/hooks/ivr/pre_order/  and  .../complete/"
	@echo "  username:    $(DEMO_IVR_USERNAME)"
	@echo "  password:    $(DEMO_IVR_PASSWORD)"
	@echo "Checkout API:  http://127.0.0.1:$(PORT)/api/  (Authorization: Bearer $(DEMO_CHECKOUT_TOKEN))"
	@echo "Admin:         http://127.0.0.1:$(PORT)/admin/"
	@echo "  username:    $(DEMO_ADMIN_USERNAME)"
	@echo "  password:    $(DEMO_ADMIN_PASSWORD)"
	@echo "Events:        sent to http://127.0.0.1:$(DEMO_WEBHOOK_PORT)/ by the worker (start it: make receiver)"
	@echo
	@# The worker (event delivery, expiry sweep) runs beside the web server and stops with it.
	@$(FLASK) ivr worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The storefront's example webhook receiver, verifying the demo's signatures.
receiver: install
	$(BIN)/python -m ivr_module.webhook_receiver --secret $(DEMO_WEBHOOK_SECRET) --port $(DEMO_WEBHOOK_PORT)

# The whole suite, on SQLite + the in-process cache, then on PostgreSQL + Redis. The reliability
# tests (tests/reliability: gunicorn, faults, schemathesis) need PostgreSQL + Redis, so they run
# in the second leg only; docs/RELIABILITY.md says what they show.
test: install-dev
	$(BIN)/python -m pytest --backend sqlite --ignore=tests/reliability
	$(BIN)/python -m pytest --backend postgres

# Hook latency and throughput on PostgreSQL + Redis, then SQLite (docs/BENCHMARKS.md).
bench: install-dev
	@command -v wrk >/dev/null && command -v hey >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hey)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
