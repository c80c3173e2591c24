"""Resources shared by every stage: one warehouse path (ASYNCWFM_WAREHOUSE) for DuckDB and dbt."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.paths import DBT_PROJECT_DIR, landing_path, policy_path, warehouse_path


class LandingZone(dg.ConfigurableResource):
    """The landing zone root (SPEC §2) and the optional policy override for this run."""

    path: str
    policy_csv: str = ""  # empty: the project's seed dbt_project/seeds/channel_policies.csv

    @property
    def root(self) -> Path:
        return Path(self.path)


def dbt_executable() -> str:
    """dbt next to the running interpreter, so an unactivated virtualenv still works."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


@dg.definitions
def resources() -> dg.Definitions:
    policy = policy_path()
    return dg.Definitions(
        resources={
            "duckdb": DuckDBResource(database=str(warehouse_path())),
            "dbt": DbtCliResource(
                project_dir=str(DBT_PROJECT_DIR),
                profiles_dir=str(DBT_PROJECT_DIR),
                dbt_executable=dbt_executable(),
            ),
            "landing": LandingZone(path=str(landing_path()), policy_csv=str(policy) if policy else ""),
        },
        executor=dg.in_process_executor,
    )
