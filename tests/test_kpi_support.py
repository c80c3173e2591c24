"""Shared helpers of the KPI tests (no tests here): write raw rows, run one dbt build, query marts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.defs.ingestion.schema import create_raw_tables, raw_columns
from orchestration.paths import DBT_PROJECT_DIR

DBT = str(Path(sys.executable).parent / "dbt")
INGESTED_AT = "2026-01-06 00:00:00"

# The models upstream of the KPI marts (without their tests: other modules test them), then the KPI models,
# the semantic layer and their tests.
KPI_SELECTION = [
    "resource_type:model,+path:models/marts/kpi",
    "resource_type:model,+path:models/semantic",
    "resource_type:seed",
    "path:models/intermediate/kpi",
    "path:models/marts/kpi",
    "path:models/semantic",
    "path:tests/kpi",
]


def write_raw(path: Path, rows: dict[str, list[dict]]) -> None:
    """Create the raw tables and insert rows given as dicts (missing fields are NULL)."""
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        for table, records in rows.items():
            columns = list(raw_columns(table))
            placeholders = ", ".join("?" for _ in columns)
            for line, record in enumerate(records, start=1):
                full = {
                    "_file": f"{table}/dt=2026-01-05/kpi.jsonl",
                    "_line": line,
                    "_ingested_at": INGESTED_AT,
                }
                full.update(record)
                if table == "email":
                    full.setdefault("references", [])
                con.execute(
                    f"insert into raw.{table} values ({placeholders})",
                    [full.get(column) for column in columns],
                )


def run_dbt_build(warehouse: Path, work: Path, variables: str | None = None) -> str:
    """One `dbt build` of the KPI marts and everything upstream; fails the test on any error."""
    env = {
        **os.environ,
        "ASYNCWFM_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        DBT, "build", "--select", *KPI_SELECTION, "--indirect-selection", "empty",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    if variables:
        command += ["--vars", variables]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    return result.stdout


def rows(con: duckdb.DuckDBPyConnection, query: str, params: Iterable | None = None) -> list[tuple]:
    return con.execute(query, list(params or [])).fetchall()
