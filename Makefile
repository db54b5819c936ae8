# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501
API_PORT ?= 8000

.PHONY: run test install install-test bench db seed api worker clean

# Re-install only when pyproject.toml changed since the last install (stamp files).
$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

db: install
	$(BIN)/shiftdesk db upgrade

seed: db
	$(BIN)/shiftdesk demo seed

run: seed
	bash scripts/run-desk.sh $(BIN) $(PORT) $(API_PORT)

api: seed
	$(BIN)/shiftdesk api --port $(API_PORT)

test: install-test
	bash scripts/system-deps.sh
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed-bench
	@echo "benchmarks: see README.md, section Benchmarks"

clean:
	rm -rf $(VENV) .pytest_cache
