"""Resources shared by every stage: one warehouse path (ASYNCWFM_WAREHOUSE) for DuckDB and dbt."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.transform.project import dbt_cli_resource
from orchestration.paths import WAREHOUSE_ENV, landing_path, policy_path, warehouse_path


class LandingZone(dg.ConfigurableResource):
    """The landing zone root (SPEC §2) and the optional policy override for this run."""

    path: str
    policy_csv: str = ""  # empty: the project's seed dbt_project/seeds/channel_policies.csv

    @property
    def root(self) -> Path:
        return Path(self.path)


@dg.definitions
def resources() -> dg.Definitions:
    policy = policy_path()
    # dbt reads the warehouse path from the environment (profiles.yml): make it the same file as DuckDB's.
    os.environ.setdefault(WAREHOUSE_ENV, str(warehouse_path()))
    return dg.Definitions(
        resources={
            "duckdb": DuckDBResource(database=str(warehouse_path())),
            "dbt": dbt_cli_resource(),
            "landing": LandingZone(path=str(landing_path()), policy_csv=str(policy) if policy else ""),
        },
        executor=dg.in_process_executor,
    )
