"""The published warehouse: the file BI reads (``<stem>.published.duckdb``), swapped in after a good run.

``["published", "warehouse"]`` depends on every ``marts`` asset (dbt marts and the staffing outputs) and on
the quality gate, so it runs last, and only when all of them were materialized in this run. A failed blocking
quality check skips staffing, so it also skips publishing: BI keeps the previous, consistent publication
(docs/reliability.md).
"""

import inspect
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.publish.publisher import publish, published_path

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])
QUALITY_GATE = dg.AssetKey(["quality", "validation_results"])


def upstream_keys() -> list[dg.AssetKey]:
    """Every asset key under ``marts`` defined by the transform and staffing stages, plus the quality gate.

    Read from the stages' definitions at load time (so a new mart is published without editing this file);
    tests/test_publish.py checks the list against the full Definitions.
    """
    from orchestration.defs.staffing import assets as staffing
    from orchestration.defs.transform import assets as transform

    keys: set[dg.AssetKey] = {QUALITY_GATE}
    for module in (transform, staffing):
        for _, value in inspect.getmembers(module, lambda v: isinstance(v, dg.AssetsDefinition)):
            keys.update(k for k in value.keys if k.path[0] == "marts")
    return sorted(keys, key=lambda k: k.to_user_string())


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="publish",
    pool="duckdb_writer",
    deps=upstream_keys(),
    kinds={"duckdb"},
    description=(
        "The BI copy of the warehouse, <warehouse stem>.published.duckdb beside it: schemas marts and "
        "quality, raw.file_ledger, raw.quarantine_summary (no raw texts) and meta.publication. Built in a "
        "temp file and swapped in with an atomic rename, so readers see the old or the new version."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    target = published_path(Path(duckdb.database))
    with duckdb.get_connection() as con:
        summary = publish(con, target, context.run_id)
    if summary.removed_leftovers:
        context.log.warning(f"removed leftovers of an interrupted publish: {summary.removed_leftovers}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(summary.path)),
            "tables": len(summary.row_counts),
            "dagster/row_count": sum(summary.row_counts.values()),
            "policy_version": summary.policy_version or "",
            "row_counts": dg.MetadataValue.json(summary.row_counts),
            "removed_leftovers": dg.MetadataValue.json(summary.removed_leftovers),
        }
    )
