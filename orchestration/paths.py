"""Where things live. One environment variable per location, read when asked (no import-time state)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_POLICY_CSV = DBT_PROJECT_DIR / "seeds" / "channel_policies.csv"

WAREHOUSE_ENV = "ASYNCWFM_WAREHOUSE"
LANDING_ENV = "ASYNCWFM_LANDING"
POLICY_ENV = "ASYNCWFM_POLICY"
HASH_KEY_ENV = "ASYNCWFM_HASH_KEY"


def warehouse_path() -> Path:
    """The DuckDB warehouse file shared by Dagster's DuckDBResource and dbt's profiles.yml."""
    return Path(os.environ.get(WAREHOUSE_ENV, PROJECT_ROOT / "demo" / "warehouse.duckdb")).resolve()


def landing_path() -> Path:
    """The landing zone root: ``<landing>/<source>/dt=YYYY-MM-DD/<file>``."""
    return Path(os.environ.get(LANDING_ENV, PROJECT_ROOT / "demo" / "landing")).resolve()


def policy_path() -> Path | None:
    """A user policy CSV overriding the project's seed, or None for the seed."""
    value = os.environ.get(POLICY_ENV)
    return Path(value).resolve() if value else None
