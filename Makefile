# The two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The field app's bundle (Workbox and its client, bundled by esbuild): rebuilt when its
# sources or lockfile change; npm is needed here only, never at run time.
FIELD := frontend/field
FIELD_BUNDLE := massline/static/field/build/app.js
$(FIELD_BUNDLE): $(FIELD)/package-lock.json $(FIELD)/build.mjs $(wildcard $(FIELD)/src/*.js)
	npm ci --prefix $(FIELD) --no-audit --no-fund
	npm run build --prefix $(FIELD)

# Translation catalogues: only the .po files are in git; the .mo files are built here, in pure
# Python (polib), so no GNU gettext is needed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard massline/locale/*/LC_MESSAGES/django.po))
$(MO_FILES): %.mo: %.po $(STAMP)
	$(BIN)/python -m massline.sections.compile

install: $(STAMP) $(FIELD_BUNDLE) $(MO_FILES)

# Browser tests drive Debian's Chromium; install it if this machine lacks it.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/massline migrate --noinput
	$(BIN)/massline demo
	$(BIN)/massline serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . >/dev/null || { $(BIN)/ruff format --check .; exit 1; }
	$(BIN)/massline makemigrations --check --dry-run >/dev/null

test: install browser lint
	$(BIN)/python -m pytest -q

# Each benchmark prints ratios against a baseline measured in the same run.
BENCHES := round_pages.py audit_cost.py themes_banking77.py themes_million.py opinion_polis_agreement.py opinion_scale.py
bench: install
	@for script in $(BENCHES); do echo "== bench/$$script"; HF_HUB_OFFLINE=1 $(BIN)/python bench/$$script || exit 1; done

clean:
	rm -rf $(VENV) .massline .pytest_cache
