"""The quality gate (SPEC §8): one asset that runs every suite, and one blocking asset check per suite.

``["quality", "validation_results"]`` measures the raw and staged tables, lets Great Expectations judge the
measurements and appends one row per expectation to ``quality.validation_results``. Its checks read this
run's rows back: a suite with a failed *blocking* expectation fails with severity ERROR, and because the
checks are ``blocking=True``, the staffing assets downstream of the gate are not executed in that run (their
previous tables stay as they were). A suite whose only failures are warnings passes with severity WARN.

Raw rows are judged once: after an append, the raw-row checks that passed last time read only the rows of the
files ingested since (data_quality/scope.py); the metadata ``raw_scope`` says which run judged what.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from data_quality.config import load_config
from data_quality.runner import (
    ExpectationResult,
    format_failure,
    latest_run_id,
    run_gates,
    suite_results,
    write_results,
)
from data_quality.scope import plan_scope
from data_quality.suites import STAGING, SUITES
from orchestration.landing import SOURCES

GATE_KEY = dg.AssetKey(["quality", "validation_results"])
GROUP = "quality"
POOL = "duckdb_writer"

# The gate reads every raw table (with quarantine and ledger, written by the same ingestion multi-asset)
# and the staging models listed in data_quality.suites.
STAGING_MODELS = [model for model, _ in STAGING.values()] + [
    "stg_seeds__queues",
    "stg_seeds__channel_policies",
]
GATE_DEPS = [dg.AssetKey(["raw", source]) for source in SOURCES] + [
    dg.AssetKey(["staging", model]) for model in STAGING_MODELS
]


@dg.asset(
    key=GATE_KEY,
    group_name=GROUP,
    pool=POOL,
    deps=GATE_DEPS,
    kinds={"duckdb", "great_expectations"},
    description=(
        "Runs the data-quality suites (data_quality/suites.py, severities in data_quality/gates.yml or "
        "$ASYNCWFM_GATES) on raw and staging and appends one row per expectation to "
        "quality.validation_results. Staffing depends on it; its blocking checks stop staffing on bad data."
    ),
)
def validation_results(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    config = load_config()
    with duckdb.get_connection() as con:
        scope = plan_scope(con, config)
        results = run_gates(con, run_id=context.run_id, config=config, scope=scope)
        written = write_results(con, results, scope)
    context.log.info(f"raw rows judged: {scope.describe()}")
    blocking = [r for r in results if r.is_blocking_failure]
    warnings = [r for r in results if r.severity == "warning" and not r.success]
    for result in blocking:
        context.log.error(f"blocking: {format_failure(result)}")
    for result in warnings:
        context.log.warning(f"warning: {format_failure(result)}")
    return dg.MaterializeResult(
        metadata={
            "expectations": written,
            "failed_blocking": len(blocking),
            "failed_warning": len(warnings),
            "dagster/row_count": written,
            "raw_scope": scope.describe(),
            "raw_files_judged": len(scope.ledger if scope.new_files is None else scope.new_files),
        }
    )


def _table(results: list[ExpectationResult]) -> str:
    lines = [
        "| table | expectation | severity | rows failed | observed | examples |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        count = "?" if r.unexpected_count is None else f"{r.unexpected_count:,}"
        examples = r.examples.replace("|", "\\|")
        lines.append(
            f"| {r.table_name} | {r.expectation} | {r.severity} | {count} | {r.observed_value} | {examples} |"
        )
    return "\n".join(lines)


def evaluate_suite(
    results: list[ExpectationResult], suite: str, gate_ran: bool = True
) -> dg.AssetCheckResult:
    """The check verdict of one suite from its stored results (pure: tested without Dagster runs).

    ``gate_ran``: the gate stored results for this run, so a suite without results is switched off in the
    gates config (passes); otherwise the gate never ran and the check fails.
    """
    if not results and gate_ran:
        return dg.AssetCheckResult(passed=True, description=f"suite {suite}: every expectation is off")
    if not results:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"suite {suite}: no results stored in quality.validation_results",
        )
    blocking = [r for r in results if r.is_blocking_failure]
    warnings = [r for r in results if r.severity == "warning" and not r.success]
    failed = blocking or warnings
    metadata: dict[str, object] = {
        "expectations": len(results),
        "failed_blocking": len(blocking),
        "failed_warning": len(warnings),
    }
    if failed:
        first = failed[0]
        metadata.update(
            {
                "table": first.table_name,
                "expectation": first.expectation,
                "failed_rows": first.unexpected_count if first.unexpected_count is not None else -1,
                "examples": first.examples,
                "failures": dg.MetadataValue.md(_table(failed)),
            }
        )
    if blocking:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(format_failure(r) for r in blocking),
            metadata=metadata,
        )
    if warnings:
        return dg.AssetCheckResult(
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            description="warnings: " + "; ".join(format_failure(r) for r in warnings),
            metadata=metadata,
        )
    return dg.AssetCheckResult(
        passed=True, description=f"{len(results)} expectations passed", metadata=metadata
    )


def _suite_check(suite: str, description: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=GATE_KEY,
        name=suite,
        description=f"{description} (blocking expectations fail this check with severity ERROR)",
        blocking=True,
        pool=POOL,
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            results = suite_results(con, suite, context.run.run_id)
            gate_ran = latest_run_id(con) is not None
        return evaluate_suite(results, suite, gate_ran)

    return _check


def build_suite_checks() -> list[dg.AssetChecksDefinition]:
    return [_suite_check(suite, description) for suite, description in SUITES.items()]


suite_checks: list[dg.AssetChecksDefinition] = build_suite_checks()
