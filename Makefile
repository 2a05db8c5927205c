# Écharpe — deux commandes sur une machine neuve : `make demo` et `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
PORT ?= 8000
# Le port servi va jusqu'à Django : les liens des courriels de la démo (ECHARPE_URL_BASE) le suivent.
DEMO := DJANGO_SETTINGS_MODULE=config.settings.demo PORT=$(PORT)

.PHONY: venv demo test lint bench services-check clean

# uv manquant : installé pour l'utilisateur, ou dans un petit venv d'amorçage quand le Python
# du système refuse pip (PEP 668, Debian 12).
$(UV):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv 2>/dev/null \
	  || { python3 -m venv $(HOME)/.local/uv-amorce && $(HOME)/.local/uv-amorce/bin/pip install --quiet uv \
	       && mkdir -p $(HOME)/.local/bin && ln -sf $(HOME)/.local/uv-amorce/bin/uv $(HOME)/.local/bin/uv; }

.venv/.sync: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

venv: .venv/.sync

demo: venv
	$(DEMO) $(PY) manage.py migrate --noinput
	$(DEMO) $(PY) manage.py charger_demo
	@echo ""
	@echo "Écharpe (démonstration) : http://127.0.0.1:$(PORT)/  — boîte d'envoi : http://127.0.0.1:$(PORT)/outbox/"
	$(DEMO) $(PY) manage.py runserver 127.0.0.1:$(PORT)

services-check:
	@bash scripts/prerequis.sh

test: venv services-check
	@bash scripts/test.sh

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/mypy .

bench: venv services-check
	@bash scripts/bench.sh

clean:
	rm -rf .venv demo.sqlite3 media staticfiles
