"""DDL of the raw layer, generated from the landing contract (orchestration/landing.py)."""

from __future__ import annotations

import duckdb

from orchestration.landing import LEDGER_COLUMNS, LINEAGE_COLUMNS, QUARANTINE_COLUMNS, SOURCES


def raw_columns(source: str) -> dict[str, str]:
    """Column name -> DuckDB type of ``raw.<source>``."""
    spec = SOURCES[source]
    columns = {name: ("VARCHAR[]" if name in spec.arrays else "VARCHAR") for name in spec.fields}
    columns.update(LINEAGE_COLUMNS)
    return columns


def _ddl(table: str, columns: dict[str, str]) -> str:
    body = ", ".join(f'"{name}" {type_}' for name, type_ in columns.items())
    return f"create table if not exists {table} ({body})"


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw`` with every source table, the quarantine and the file ledger (idempotent)."""
    con.execute("create schema if not exists raw")
    for source in SOURCES:
        con.execute(_ddl(f"raw.{source}", raw_columns(source)))
    con.execute(_ddl("raw.quarantine", QUARANTINE_COLUMNS))
    con.execute(_ddl("raw.file_ledger", LEDGER_COLUMNS))
