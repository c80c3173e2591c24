"""Dagster assets of the raw layer: one multi-asset loads every landing source in one pass.

Keys are the warehouse tables (``["raw", "email"]`` is dbt's ``source('raw', 'email')``), so dbt assets link
to them without a translator.
"""

from collections.abc import Iterator

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from orchestration.defs.ingestion.loader import ingest
from orchestration.defs.resources import LandingZone
from orchestration.landing import SOURCES

GROUP = "ingestion"
QUARANTINE_KEY = dg.AssetKey(["raw", "quarantine"])
LEDGER_KEY = dg.AssetKey(["raw", "file_ledger"])


def source_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source])


def _specs() -> list[dg.AssetSpec]:
    """Built in a function: module-level AssetSpecs would be loaded by load_from_defs_folder as assets."""
    return [
        dg.AssetSpec(
            source_key(name),
            group_name=GROUP,
            kinds={"duckdb"},
            skippable=True,
            description=(
                f"Rows of the `{name}` landing files ({spec.format.upper()}) that passed row validation, "
                "every field as delivered (text), with lineage columns _file, _line, _ingested_at, _extra."
            ),
        )
        for name, spec in SOURCES.items()
    ] + [
        dg.AssetSpec(
            QUARANTINE_KEY,
            group_name=GROUP,
            kinds={"duckdb"},
            skippable=True,
            description="Records and stray landing entries that could not be loaded: file, line, reason.",
        ),
        dg.AssetSpec(
            LEDGER_KEY,
            group_name=GROUP,
            kinds={"duckdb"},
            skippable=True,
            description="One row per landed file: size, sha256, rows read = rows loaded + rows quarantined.",
        ),
    ]


def _count(conn: DuckDBPyConnection, query: str) -> int:
    rows = conn.execute(query).fetchall()
    return int(rows[0][0])


@dg.multi_asset(
    name="ingest_landing_zone",
    specs=_specs(),
    can_subset=True,
    pool="duckdb_writer",
    description="Load new and changed landing files (SPEC §2) into schema raw; quarantine what fails (§8).",
)
def ingest_landing_zone(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingZone
) -> Iterator[dg.MaterializeResult]:
    selected = context.selected_asset_keys
    sources = [name for name in SOURCES if source_key(name) in selected]
    with duckdb.get_connection() as conn:
        # All sources selected: a full run, which also records stray entries at the landing root.
        summary = ingest(conn, landing.root, None if len(sources) == len(SOURCES) else sources)
        for name in sources:
            stats = summary.sources[name]
            yield dg.MaterializeResult(
                asset_key=source_key(name),
                metadata={
                    "rows_loaded": stats.rows_loaded,
                    "rows_quarantined": stats.rows_quarantined,
                    "rows_read": stats.rows_read,
                    "files_seen": stats.files_seen,
                    "files_new": stats.files_new,
                    "files_replaced": stats.files_replaced,
                    "files_skipped": stats.files_skipped,
                    "files_unexpected": stats.files_unexpected,
                    "dagster/row_count": _count(conn, f'select count(*) from raw."{name}"'),
                },
            )
        if QUARANTINE_KEY in selected:
            yield dg.MaterializeResult(
                asset_key=QUARANTINE_KEY,
                metadata={
                    "rows_quarantined": summary.rows_quarantined,
                    "unexpected_entries": dg.MetadataValue.json(summary.unexpected),
                    "dagster/row_count": _count(conn, "select count(*) from raw.quarantine"),
                },
            )
        if LEDGER_KEY in selected:
            yield dg.MaterializeResult(
                asset_key=LEDGER_KEY,
                metadata={
                    "files_loaded": sum(s.files_loaded for s in summary.sources.values()),
                    "files_skipped": sum(s.files_skipped for s in summary.sources.values()),
                    "dagster/row_count": _count(conn, "select count(*) from raw.file_ledger"),
                },
            )
