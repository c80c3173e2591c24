"""dbt models as Dagster assets: staging → intermediate → marts, in one `dbt build`.

Staffing and forecast are not dbt models: they run after the quality gates (orchestration/defs/staffing/).
"""

import hashlib
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
    builds_everything = set(context.assets_def.keys) <= set(context.selected_asset_keys)
    fingerprint = build_fingerprint(dbt_vars, landing.policy_csv)
    with duckdb.get_connection() as con:
        stale = staged_files_changed(con)
        why_full = full_refresh_reason(con, fingerprint, builds_everything)
        start_build(con, fingerprint)
    if stale:
        why_full = why_full or f"{stale} landed file(s) changed or vanished since staging was built"
    if why_full:
        context.log.info(f"{why_full}: full refresh")
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()
    if _builds_all_staging(context):
        with duckdb.get_connection() as con:
            record_staged_files(con)
    if builds_everything:
        with duckdb.get_connection() as con:
            finish_build(con, fingerprint)


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


# The models after staging are incremental too (issue 9, macros/incremental/refresh_scope.sql): they
# rebuild the keys new landing files can change, judged against what the last build stored. That holds only
# when the last build finished with the same models and the same counting policy, so the state of the last
# build is kept: a build that did not finish (failed, killed, a partial selection), other model code, other
# dbt vars or another policy file make the next build a full refresh.
_BUILD_STATE = "config.build_state"


def build_fingerprint(dbt_vars: Mapping[str, Any], policy_csv: str | None) -> str:
    """What a stored build depends on besides the data: the dbt project's files, the vars, the policy file."""
    project = dbt_project().project_dir
    digest = hashlib.sha256(json.dumps(dict(dbt_vars), sort_keys=True).encode())
    files = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        files += sorted(path for path in (project / folder).rglob("*") if path.is_file())
    if policy_csv:
        files.append(Path(policy_csv))
    for path in files:
        digest.update(str(path.relative_to(project) if path.is_relative_to(project) else path.name).encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def full_refresh_reason(con: DuckDBPyConnection, fingerprint: str, builds_everything: bool) -> str | None:
    """Why this build cannot be incremental, or None when it can."""
    con.execute("create schema if not exists config")
    con.execute(f"create table if not exists {_BUILD_STATE} (fingerprint varchar, completed boolean)")
    if not builds_everything:
        return "only some dbt models are selected"
    state = con.execute(f"select fingerprint, completed from {_BUILD_STATE}").fetchall()
    if not state:
        return "no complete build recorded"
    if not state[0][1]:
        return "the last build did not finish"
    if state[0][0] != fingerprint:
        return "the models, dbt vars or counting policy changed since the last build"
    return None


def start_build(con: DuckDBPyConnection, fingerprint: str) -> None:
    con.execute("begin transaction")
    con.execute(f"delete from {_BUILD_STATE}")
    con.execute(f"insert into {_BUILD_STATE} values (?, false)", [fingerprint])
    con.execute("commit")


def finish_build(con: DuckDBPyConnection, fingerprint: str) -> None:
    con.execute(f"update {_BUILD_STATE} set completed = true where fingerprint = ?", [fingerprint])


def _builds_all_staging(context: dg.AssetExecutionContext) -> bool:
    staging = {key for key in context.assets_def.keys if key.path[0] == "staging"}
    return staging <= set(context.selected_asset_keys)
