# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

# Demo settings for `make run` only: fixed, published, and refused by nothing but this laptop.
DEMO_IVR_USERNAME := demo-ivr
DEMO_IVR_PASSWORD := demo-ivr-password
DEMO_CHECKOUT_TOKEN := demo-checkout-token
DEMO_SANDBOX_USERNAME := demo-ivr-sandbox
DEMO_SANDBOX_PASSWORD := demo-ivr-sandbox-password
DEMO_SANDBOX_TOKEN := demo-checkout-sandbox-token
DEMO_ADMIN_USERNAME := admin
DEMO_ADMIN_PASSWORD := demo-admin-password
# Events go to the example receiver: `make receiver` (or the README's one line) in another terminal.
DEMO_WEBHOOK_PORT := 8081
DEMO_WEBHOOK_SECRET := whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDAx
DEMO_ENV := IVR_ENV=development IVR_USERNAME=$(DEMO_IVR_USERNAME) \
	IVR_PASSWORD=$(DEMO_IVR_PASSWORD) CHECKOUT_API_TOKEN=$(DEMO_CHECKOUT_TOKEN) \
	IVR_WEBHOOK_URL=http://127.0.0.1:$(DEMO_WEBHOOK_PORT)/ IVR_WEBHOOK_SECRET=$(DEMO_WEBHOOK_SECRET) \
	IVR_SANDBOX_USERNAME=$(DEMO_SANDBOX_USERNAME) IVR_SANDBOX_PASSWORD=$(DEMO_SANDBOX_PASSWORD) \
	CHECKOUT_API_SANDBOX_TOKEN=$(DEMO_SANDBOX_TOKEN)
FLASK := $(DEMO_ENV) $(BIN)/flask --app wsgi
# The vendor's settlement file of the demo's latest day, with planted differences (Settlements page).
DEMO_SETTLEMENT := instance/demo-settlement.csv

.PHONY: run receiver certify test bench install install-dev lock translations clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Dependencies come from the lock files, every file checked against its hash; the project itself
# is then added without resolving anything (docs/OPERATIONS.md, "Dependencies and the lock").
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python pyproject.toml requirements-dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
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
	@echo "Sandbox (docs/VENDOR_GUIDE.md): the same hooks and API with test credentials"
	@echo "  username:    $(DEMO_SANDBOX_USERNAME)"
	@echo "  password:    $(DEMO_SANDBOX_PASSWORD)"
	@echo "  API token:   $(DEMO_SANDBOX_TOKEN)"
	@echo "  certify:     make certify  (in another terminal)"
	@echo "Admin:         http://127.0.0.1:$(PORT)/admin/"
	@echo "  username:    $(DEMO_ADMIN_USERNAME)"
	@echo "  password:    $(DEMO_ADMIN_PASSWORD)"
	@echo "Events:        sent to http://127.0.0.1:$(DEMO_WEBHOOK_PORT)/ by the worker (start it: make receiver)"
	@echo "Settlements:   http://127.0.0.1:$(PORT)/admin/settlements/  ($(DEMO_SETTLEMENT) imported)"
	@echo
	@# The worker (event delivery, expiry sweep) runs beside the web server and stops with it.
	@$(FLASK) ivr worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The storefront's example webhook receiver, verifying the demo's signatures.
receiver: install
	$(BIN)/python -m ivr_module.webhook_receiver --secret $(DEMO_WEBHOOK_SECRET) --port $(DEMO_WEBHOOK_PORT)

# The certification run against `make run` (docs/VENDOR_GUIDE.md); URL= for another deployment.
URL ?= http://127.0.0.1:$(PORT)
certify: install
	@$(FLASK) ivr certify --url $(URL)

# The whole suite, on SQLite + the in-process cache, then on PostgreSQL + Redis. The reliability
# tests (tests/reliability: gunicorn, faults, schemathesis) need PostgreSQL + Redis, so they run
# in the second leg only; docs/RELIABILITY.md says what they show. The third leg runs the hook
# and payment tests once more through PgBouncer in transaction pooling mode (docs/OPERATIONS.md).
POOLED_TESTS := tests/test_hooks_pre_order.py tests/test_hooks_complete.py tests/test_hooks_input.py \
	tests/test_concurrency.py tests/test_hook_log.py tests/test_group_commit.py \
	tests/test_checkout_api.py tests/test_transaction_pooling.py tests/test_hook_call_partitions.py

test: install-dev
	$(BIN)/python -m pytest --backend sqlite --ignore=tests/reliability
	$(BIN)/python -m pytest --backend postgres
	$(BIN)/python -m pytest --backend pgbouncer $(POOLED_TESTS)

# Hook latency and throughput on PostgreSQL + Redis, then SQLite (docs/BENCHMARKS.md).
bench: install-dev
	@command -v wrk >/dev/null && command -v hey >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hey)
	$(BIN)/python -m bench.run

# Re-pin every dependency to the newest release pyproject.toml allows, with hashes, from PyPI
# alone (no local index of this machine leaks in); the dev lock keeps the runtime lock's versions,
# so tests run what production runs. `make lock LOCK_FLAGS=` adds a new dependency without
# moving the others.
LOCK_TOOLS := .venv-lock
LOCK_FLAGS ?= --upgrade
PIP_COMPILE := PIP_CONFIG_FILE=/dev/null $(LOCK_TOOLS)/bin/pip-compile --quiet $(LOCK_FLAGS) \
	--generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links

lock:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	PIP_CONFIG_FILE=/dev/null $(LOCK_TOOLS)/bin/pip install --quiet --upgrade pip pip-tools
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml

# The admin's catalogues (ivr_module/translations, domain ivr_module): extract every string of the
# admin's Python and templates (babel.cfg), bring the English and Turkish catalogues up to date,
# fill English from the source text, and compile. New Turkish messages are left empty for a
# translator; tests/test_translations.py fails until each has its text.
TRANSLATIONS := ivr_module/translations
PYBABEL := $(BIN)/pybabel

translations: install-dev
	$(PYBABEL) extract --mapping-file babel.cfg --keywords _l --keywords lazy_gettext --keywords _markup \
		--no-location --sort-output --width 100 --project ivr_module --copyright-holder "ivr_module authors" \
		--output-file $(TRANSLATIONS)/ivr_module.pot .
	$(PYBABEL) update --input-file $(TRANSLATIONS)/ivr_module.pot --output-dir $(TRANSLATIONS) \
		--domain ivr_module --no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/python scripts/english_catalogue.py
	$(PYBABEL) compile --directory $(TRANSLATIONS) --domain ivr_module --statistics

clean:
	rm -rf $(VENV) $(LOCK_TOOLS) instance .pytest_cache .hypothesis
