# Everything a newcomer needs: `make demo`, `make test`. Both create .venv and install on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

export GX_ANALYTICS_ENABLED = false
export TQDM_DISABLE = 1
export DBT_SEND_ANONYMOUS_USAGE_STATS = false

.PHONY: install demo test lint format bench docs dev clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip 2>/dev/null
	@$(PIP) install -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	@$(BIN)/python -c "import dagster, dagster_dbt, dbt, duckdb, great_expectations" || (echo "install failed"; exit 1)
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/asyncwfm demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench

docs: $(STAMP)
	cd dbt_project && ASYNCWFM_WAREHOUSE=$${ASYNCWFM_WAREHOUSE:-../demo/warehouse.duckdb} ../$(BIN)/dbt docs generate --profiles-dir .

dev: $(STAMP)
	$(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf $(VENV) demo dbt_project/target dbt_project/logs .pytest_cache
