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
DEMO_ENV := IVR_ENV=development IVR_USERNAME=$(DEMO_IVR_USERNAME) \
	IVR_PASSWORD=$(DEMO_IVR_PASSWORD) CHECKOUT_API_TOKEN=$(DEMO_CHECKOUT_TOKEN)
FLASK := $(DEMO_ENV) $(BIN)/flask --app wsgi
# The vendor's settlement file of the demo's latest day, with planted differences (Settlements page).
DEMO_SETTLEMENT := instance/demo-settlement.csv

.PHONY: run test bench install install-dev clean

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
	@$(FLASK) ivr generate-data --hook-calls 6000 --transactions 700 --days 30 --if-empty \
		--settlement-file $(DEMO_SETTLEMENT)
	@test ! -f $(DEMO_SETTLEMENT) || $(FLASK) ivr reconcile $(DEMO_SETTLEMENT) --by demo
	@$(FLASK) ivr create-user $(DEMO_ADMIN_USERNAME) --role admin --password $(DEMO_ADMIN_PASSWORD) --update
	@echo
	@echo "IVR hooks:     http://127.0.0.1:$(PORT)/hooks/ivr/pre_order/  and  .../complete/"
	@echo "  username:    $(DEMO_IVR_USERNAME)"
	@echo "  password:    $(DEMO_IVR_PASSWORD)"
	@echo "Checkout API:  http://127.0.0.1:$(PORT)/api/  (Authorization: Bearer $(DEMO_CHECKOUT_TOKEN))"
	@echo "Admin:         http://127.0.0.1:$(PORT)/admin/"
	@echo "  username:    $(DEMO_ADMIN_USERNAME)"
	@echo "  password:    $(DEMO_ADMIN_PASSWORD)"
	@echo "Settlements:   http://127.0.0.1:$(PORT)/admin/settlements/  ($(DEMO_SETTLEMENT) imported)"
	@echo
	@$(FLASK) run --host 127.0.0.1 --port $(PORT)

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
