# Casusbank: `make run` to start it, `make test` to test it. Nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run dev test audit install prepare translations messages screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: pip runs again only when a requirements file changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check --quiet -r requirements-test.txt
	touch $@

# pip-audit and bandit, only for `make audit` (their own stamp: `make test` never needs them).
$(VENV)/.installed-audit: requirements-audit.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check --quiet -r requirements-audit.txt
	touch $@

install: $(VENV)/.installed

# axe-core for the accessibility tests, pinned in package-lock.json, into node_modules/.
# Only where npm exists (.ci/run installs Debian's npm); without it those tests skip.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The interface in English: the .po catalogues are in the repository, the compiled .mo
# files are made here (and ignored by git).
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(COMPILED)

# After changing interface text: collect it again and add the new messages to each
# catalogue (then translate them; tests/test_language.py fails until every one is).
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --no-location --sort-output \
		-o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

TEST_NEEDS := $(VENV)/.installed-test $(COMPILED)
ifneq ($(shell command -v npm 2>/dev/null),)
TEST_NEEDS += node_modules/.installed
endif

# Database schema, seed content and search index; each step does nothing when up to date.
prepare: install translations
	$(FLASK) db upgrade
	$(FLASK) content import
	$(FLASK) search sync

# gunicorn (2 workers) and the indexer on http://127.0.0.1:5000; Ctrl-C stops both.
run: prepare
	$(FLASK) serve

# Flask's debug server with reloading, and the indexer beside it.
dev: prepare
	$(FLASK) search worker & indexer=$$!; trap 'kill $$indexer' EXIT INT TERM; \
	$(FLASK) run --debug

# The whole suite on SQLite, warnings as errors (see pyproject.toml); exit code 5 means no
# tests. With CASUSBANK_TEST_POSTGRESQL set to a server's URL (.ci/postgresql starts one and
# prints it) the suite then runs a second time, each app on a database of its own there.
# pytest-xdist spreads the test files over one process per core (at most 4; TEST_WORKERS=0
# runs them in this one); a file stays on one process, so its shared browser, server or
# library is made once.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile
NO_TESTS_IS_FINE := status=$$?; if [ $$status -eq 5 ]; then echo "no tests were collected"; \
	status=0; fi; [ $$status -eq 0 ]

test: $(TEST_NEEDS)
	env -u CASUSBANK_TEST_DATABASE_URL $(PYTEST); $(NO_TESTS_IS_FINE)
	if [ -n "$${CASUSBANK_TEST_POSTGRESQL:-}" ]; then \
		echo "== the suite again, on PostgreSQL"; \
		CASUSBANK_TEST_DATABASE_URL="$$CASUSBANK_TEST_POSTGRESQL" $(PYTEST); $(NO_TESTS_IS_FINE); \
	fi

# bandit over our code and pip-audit over every pinned dependency (tools/audit.py). Fails on a
# finding; a vulnerability database that cannot be reached is a loud warning, not a pass.
audit: $(VENV)/.installed-audit
	$(BIN)/python -m tools.audit

# PNGs of the home page, a learning group and a search for the README (docs/screenshots/),
# from a temporary instance with the seed content, taken with Debian's Chromium.
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m tools.screenshots

clean:
	rm -rf $(VENV) node_modules instance search_index/CURRENT search_index/v-* $(COMPILED)
