"""Which raw rows the raw-row checks judge: every row, or only the rows of files no earlier run judged.

Raw is append-only: ingestion adds the rows of new files, and a changed file at a known path has its rows
deleted and loaded again under a new ledger row. So a file is identified by ``(path, loaded_at)`` in
``raw.file_ledger`` (``loaded_at`` is also the ``_ingested_at`` of every row of the file), and what a
complete gate run judged is recorded in ``quality.judged_files``: the ledger as it was when the run started.

The next run judges *incrementally* when nothing judged has changed since — every recorded
``(path, loaded_at)`` is still in the ledger (no file replaced, purged or reloaded by a rebuilt raw) and the
gates config is the same — and then only for the checks that found *no* failing row in that run. Such a
check measures the rows of the files not yet judged (the ``new`` files) and reports the whole table's row
count, so its verdict, failing-row count and examples are those a full judgement would give (the older rows
had none). Everything else — a fresh warehouse, a rebuilt raw, a replaced file, a changed config, a check that
failed or was not checked last time — is judged in full, so a failure stays reported (and keeps blocking)
until the data is fixed. See dbt_project/DECISIONLOG.md, "Quality gates".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from data_quality.config import GateConfig

JUDGED_TABLE = "quality.judged_files"
JUDGED_DDL = f"""
create table if not exists {JUDGED_TABLE} (
    run_id varchar,          -- the gate run whose results judged these files
    path varchar,            -- raw.file_ledger.path
    loaded_at timestamp,     -- raw.file_ledger.loaded_at (= _ingested_at of the file's rows)
    gates_config varchar     -- fingerprint of the gates config of that run
)
"""
NEW_FILES_TABLE = "_quality_new_files"  # temp table: the files the incremental checks read


@dataclass(frozen=True)
class RawScope:
    """What the raw-row checks of one gate run read (made by ``plan_scope``)."""

    ledger: tuple[tuple[str, datetime], ...]  # (path, loaded_at) of every ledger row when the run started
    config_key: str
    new_files: tuple[tuple[str, datetime], ...] | None = None  # None: every raw row is judged
    since_run: str | None = None  # the run that judged the other files
    clean: frozenset[tuple[str, str, str]] = frozenset()  # (suite, expectation, table) with 0 failures then
    reason: str = "no earlier gate run recorded"

    @property
    def is_incremental(self) -> bool:
        return self.new_files is not None

    def judges_new_only(self, suite: str, expectation: str, table: str) -> bool:
        return self.new_files is not None and (suite, expectation, table) in self.clean

    def describe(self) -> str:
        if self.new_files is None:
            return f"full: every raw row judged ({self.reason})"
        return (
            f"incremental: raw-row checks that passed in run {self.since_run} judged the rows of "
            f"{len(self.new_files)} new file(s) of {len(self.ledger)}"
        )


def config_key(config: GateConfig) -> str:
    text = json.dumps({"tolerances": config.tolerances, "expectations": config.expectations}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows[0][0])


def plan_scope(con: duckdb.DuckDBPyConnection, config: GateConfig) -> RawScope:
    """Full or incremental, from raw.file_ledger and the last recorded judgement (quality.judged_files)."""
    key = config_key(config)
    if not _has_table(con, "raw", "file_ledger"):
        return RawScope(ledger=(), config_key=key, reason="no raw.file_ledger")
    rows = con.execute("select path, loaded_at from raw.file_ledger order by path").fetchall()
    ledger = tuple((str(path), loaded_at) for path, loaded_at in rows)
    full = RawScope(ledger=ledger, config_key=key)
    if not _has_table(con, "quality", "judged_files") or not _has_table(con, "quality", "validation_results"):
        return full
    judged = con.execute(f"select run_id, path, loaded_at, gates_config from {JUDGED_TABLE}").fetchall()
    if not judged:
        return full
    runs = {row[0] for row in judged}
    keys = {row[3] for row in judged}
    if len(runs) != 1 or len(keys) != 1:
        return RawScope(ledger=ledger, config_key=key, reason=f"{JUDGED_TABLE} mixes runs")
    (since_run,) = runs
    if keys != {key}:
        return RawScope(ledger=ledger, config_key=key, reason="the gates config changed")
    current = set(ledger)
    gone = [path for _, path, loaded_at, _ in judged if (path, loaded_at) not in current]
    if gone:
        return RawScope(
            ledger=ledger,
            config_key=key,
            reason=f"{len(gone)} judged file(s) replaced or removed since run {since_run}, e.g. {min(gone)}",
        )
    clean = frozenset(
        (suite, expectation, table)
        for suite, expectation, table in con.execute(
            "select suite, expectation, table_name from quality.validation_results "
            "where run_id = ? and success and unexpected_count = 0",
            [since_run],
        ).fetchall()
    )
    judged_files = {(path, loaded_at) for _, path, loaded_at, _ in judged}
    new = tuple(f for f in ledger if f not in judged_files)
    return RawScope(ledger=ledger, config_key=key, new_files=new, since_run=since_run, clean=clean, reason="")


def stage_new_files(con: duckdb.DuckDBPyConnection, scope: RawScope) -> None:
    """The new files as a temp table the checks' SQL joins on (empty when the scope is full)."""
    frame = pd.DataFrame(list(scope.new_files or ()), columns=["path", "loaded_at"])
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"])
    con.register("_quality_new_files_frame", frame)
    try:
        con.execute(
            f"create or replace temp table {NEW_FILES_TABLE} as "
            "select cast(path as varchar) as path, cast(loaded_at as timestamp) as loaded_at "
            "from _quality_new_files_frame"
        )
    finally:
        con.unregister("_quality_new_files_frame")


def record_judged(con: duckdb.DuckDBPyConnection, run_id: str, scope: RawScope) -> None:
    """``run_id`` judged the ledger of ``scope``: the next run may judge only the files added after it."""
    con.execute("create schema if not exists quality")
    con.execute(JUDGED_DDL)
    frame = pd.DataFrame(list(scope.ledger), columns=["path", "loaded_at"])
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"])
    con.register("_quality_judged_frame", frame)
    try:
        con.execute(f"delete from {JUDGED_TABLE}")
        con.execute(
            f"insert into {JUDGED_TABLE} select ?, cast(path as varchar), cast(loaded_at as timestamp), ? "
            "from _quality_judged_frame",
            [run_id, scope.config_key],
        )
    finally:
        con.unregister("_quality_judged_frame")
