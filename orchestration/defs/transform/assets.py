"""dbt models as Dagster assets: staging → intermediate → marts, in one `dbt build`.

Staffing and forecast are not dbt models: they run after the quality gates (orchestration/defs/staffing/).
"""

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from orchestration.defs.resources import LandingZone
from orchestration.defs.transform.project import dbt_project, ensure_manifest
from orchestration.paths import DEFAULT_POLICY_CSV, WAREHOUSE_ENV


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys match the warehouse: ``[schema, table]`` for models and seeds, ``[source, table]`` for
    sources."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            schema = dbt_resource_props["config"].get("schema") or dbt_resource_props["schema"]
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dbt_resource_props["config"].get("schema") or "transform"
        return super().get_group_name(dbt_resource_props)


def _policy_vars(landing: LandingZone, duckdb: DuckDBResource) -> dict[str, Any]:
    """Validate the counting policy before any model is built; stage an override for dbt when given."""
    from orchestration.policy import load_policy, write_policy_override

    if not landing.policy_csv:
        load_policy(DEFAULT_POLICY_CSV)  # the project's own seed must be valid too
        return {}
    policy = load_policy(Path(landing.policy_csv))
    with duckdb.get_connection() as con:
        write_policy_override(con, policy)
    return {"policy_override": True}


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project(),
    dagster_dbt_translator=WarehouseTranslator(),
    pool="duckdb_writer",
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, landing: LandingZone, duckdb: DuckDBResource
) -> Iterator[Any]:
    # profiles.yml reads the warehouse from the environment: point dbt at the file this run's DuckDB resource
    # uses, so a warehouse set in run config (UI, schedule, sensor) reaches ingestion and dbt alike.
    os.environ[WAREHOUSE_ENV] = str(Path(duckdb.database).resolve())
    # Unit tests check SQL logic on fixed inputs: CI runs them (tests/test_dbt_unit_tests.py), a refresh
    # does not (dbt's advice; 23 of them cost ≈ 5 s of every run at 1 M events).
    args = ["build", "--exclude-resource-type", "unit_test"]
    dbt_vars = _policy_vars(landing, duckdb)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    with duckdb.get_connection() as con:
        stale = staged_files_changed(con)
    if stale:
        context.log.info(f"{stale} landed file(s) changed or vanished since staging was built: full refresh")
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()
    if _builds_all_staging(context):
        with duckdb.get_connection() as con:
            record_staged_files(con)


# Staging is incremental (new landing files only, issue 9). A file re-delivered with other content replaces
# its raw rows at ingestion; staging cannot see that by appending, so a changed or vanished file since the
# last complete staging build forces a full refresh. The record is written only after dbt succeeded, so a
# run killed in between rebuilds in full next time.
_STAGED_FILES = "config.staged_files"


def staged_files_changed(con: DuckDBPyConnection) -> int:
    """How many files staged by the last complete build are now gone from the ledger or have another hash."""
    con.execute("create schema if not exists config")
    con.execute(f"create table if not exists {_STAGED_FILES} (path varchar, content_hash varchar)")
    if not con.execute(
        "select 1 from information_schema.tables where table_schema = 'raw' and table_name = 'file_ledger'"
    ).fetchall():
        return con.execute(f"select count(*) from {_STAGED_FILES}").fetchall()[0][0]
    return con.execute(
        f"""
        select count(*) from {_STAGED_FILES} as staged
        left join raw.file_ledger as ledger on ledger.path = staged.path
        where ledger.path is null or ledger.content_hash is distinct from staged.content_hash
        """
    ).fetchall()[0][0]


def record_staged_files(con: DuckDBPyConnection) -> None:
    con.execute("begin transaction")
    con.execute(f"delete from {_STAGED_FILES}")
    con.execute(f"insert into {_STAGED_FILES} select path, content_hash from raw.file_ledger")
    con.execute("commit")


def _builds_all_staging(context: dg.AssetExecutionContext) -> bool:
    staging = {key for key in context.assets_def.keys if key.path[0] == "staging"}
    return staging <= set(context.selected_asset_keys)
