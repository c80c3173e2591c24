"""Run the suites against the warehouse, judge them with Great Expectations, store and read the results.

Public API (used by orchestration/defs/quality/ and the CLI):

- ``data_quality.scope.plan_scope(con, config) -> RawScope``: every raw row, or only the rows of files not
  judged yet
- ``run_gates(con, run_id, config=None, suites=None, scope=None) -> list[ExpectationResult]``
- ``write_results(con, results, scope=None)``: append to ``quality.validation_results`` (and record the files
  ``scope`` saw as judged)
- ``failed_blocking(con, run_id=None) -> list[ExpectationResult]``: this run's (default: the latest run's)
  failed blocking expectations; ``format_failure(result)`` renders one as
  ``raw.email  id_no_conflicting_duplicates  12 rows failed  examples: m1; m2``
- ``suite_results(con, suite, run_id)``: the stored rows of one suite (what the asset checks read)

Great Expectations is imported inside ``_Judge`` only (≈ 3 s, 220 MB), never at module import.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from data_quality.config import GateConfig, load_config
from data_quality.scope import RawScope, record_judged, stage_new_files
from data_quality.suites import Check, MeasureContext, Measured, all_checks

RESULTS_TABLE = "quality.validation_results"
RESULTS_DDL = f"""
create table if not exists {RESULTS_TABLE} (
    run_id varchar,
    suite varchar,
    table_name varchar,
    expectation varchar,
    severity varchar,            -- blocking | warning
    success boolean,
    unexpected_count bigint,     -- rows (files, agents, days: see observed_value) that failed
    observed_value varchar,
    examples varchar,            -- a few failing ids / values, '; '-separated
    checked_at timestamp,        -- UTC
    element_count bigint,        -- rows (files, agents, days) checked
    gx_expectation varchar,      -- the Great Expectations expectation that judged the measured frame
    description varchar
)
"""


@dataclass(frozen=True)
class ExpectationResult:
    run_id: str
    suite: str
    table_name: str
    expectation: str
    severity: str
    success: bool
    unexpected_count: int | None
    observed_value: str
    examples: str
    checked_at: datetime
    element_count: int | None = None
    gx_expectation: str = ""
    description: str = ""

    @property
    def is_blocking_failure(self) -> bool:
        return self.severity == "blocking" and not self.success


def format_failure(result: ExpectationResult) -> str:
    """One line for people: table, expectation, how many rows failed, examples."""
    count = "?" if result.unexpected_count is None else f"{result.unexpected_count:,}"
    line = f"{result.table_name}  {result.expectation}  {count} rows failed  ({result.observed_value})"
    if result.examples:
        line += f"  examples: {result.examples}"
    return line


class _Judge:
    """One ephemeral GX context; each check's small frame is validated against its one expectation."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("TQDM_DISABLE", "1")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("asyncwfm_quality").add_dataframe_asset("measured")
        self.batch = asset.add_batch_definition_whole_dataframe("whole_frame")

    def judge(self, check: Check, measured: Measured) -> tuple[bool, int | None]:
        name = f"{check.suite}.{check.name}@{check.table}"
        suite = self.context.suites.add(self.gx.ExpectationSuite(name=name))
        expectation_class = getattr(self.gx.expectations, measured.expectation.gx_type)
        suite.add_expectation(expectation_class(**measured.expectation.kwargs))
        definition = self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=name, data=self.batch, suite=suite)
        )
        outcome = definition.run(batch_parameters={"dataframe": measured.frame}, result_format="SUMMARY")
        result = outcome.results[0]
        return bool(result.success), (result.result or {}).get("unexpected_count")


def _existing_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


def run_gates(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    config: GateConfig | None = None,
    suites: list[str] | None = None,
    timings: dict[str, float] | None = None,
    scope: RawScope | None = None,
) -> list[ExpectationResult]:
    """Measure every check in SQL, judge it with GX; one result per expectation (nothing is stored).

    ``timings``, when given, accumulates seconds under ``sql``, ``gx_import`` and ``gx_judge``.
    ``scope`` (from ``plan_scope``): the raw-row checks that found no failing row in the last recorded run
    judge only the rows of the files added since; without it every raw row is judged.
    """
    timings = timings if timings is not None else {}
    for key in ("sql", "gx_import", "gx_judge"):
        timings.setdefault(key, 0.0)
    config = config or load_config()
    con.execute("set timezone = 'UTC'")  # naive landing timestamps are UTC (SPEC §2)
    existing = _existing_relations(con)
    if scope is not None and scope.is_incremental:
        stage_new_files(con, scope)
    ctx = MeasureContext(con=con, config=config, scope=scope)
    judge: _Judge | None = None
    results: list[ExpectationResult] = []
    for check in all_checks():
        if suites is not None and check.suite not in suites:
            continue
        severity = config.severity(check.name, check.table)
        if severity == "off":
            continue
        base: dict[str, Any] = {
            "run_id": run_id,
            "suite": check.suite,
            "table_name": check.table,
            "expectation": check.name,
            "severity": severity,
            "description": check.description,
        }
        missing = [t for t in check.reads if t not in existing]
        if missing:
            results.append(
                ExpectationResult(
                    **base,
                    success=False,
                    unexpected_count=None,
                    examples="",
                    checked_at=_now(),
                    observed_value=f"not checked: missing table(s) {', '.join(missing)}",
                )
            )
            continue
        started = time.perf_counter()
        try:
            measured = check.measure(ctx, check)
        except duckdb.Error as exc:
            results.append(
                ExpectationResult(
                    **base,
                    success=False,
                    unexpected_count=None,
                    examples="",
                    checked_at=_now(),
                    observed_value=f"not checked: {type(exc).__name__}: {str(exc).splitlines()[0]}",
                )
            )
            continue
        timings["sql"] += time.perf_counter() - started
        if judge is None:
            started = time.perf_counter()
            judge = _Judge()
            timings["gx_import"] += time.perf_counter() - started
        started = time.perf_counter()
        success, gx_unexpected = judge.judge(check, measured)
        timings["gx_judge"] += time.perf_counter() - started
        unexpected = measured.unexpected_count if measured.unexpected_count is not None else gx_unexpected
        results.append(
            ExpectationResult(
                **base,
                success=success,
                unexpected_count=None if unexpected is None else int(unexpected),
                observed_value=measured.observed_value,
                examples="; ".join(map(str, measured.examples)),
                checked_at=_now(),
                element_count=int(measured.element_count),
                gx_expectation=measured.expectation.describe(),
            )
        )
    return results


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists quality")
    con.execute(RESULTS_DDL)


def write_results(
    con: duckdb.DuckDBPyConnection, results: list[ExpectationResult], scope: RawScope | None = None
) -> int:
    """Append the results to quality.validation_results; returns the number of rows written.

    ``scope``: the scope the results were measured with; the files it saw are recorded as judged by their
    run, so the next run's ``plan_scope`` can judge only the files added after them.
    """
    ensure_results_table(con)
    if scope is not None and results:
        record_judged(con, results[0].run_id, scope)
    if not results:
        return 0
    columns = [f.name for f in fields(ExpectationResult)]
    frame = pd.DataFrame([asdict(r) for r in results], columns=columns)
    frame["unexpected_count"] = frame["unexpected_count"].astype("Int64")
    frame["element_count"] = frame["element_count"].astype("Int64")
    con.register("_quality_results", frame)
    try:
        con.execute(f"insert into {RESULTS_TABLE} by name select * from _quality_results")
    finally:
        con.unregister("_quality_results")
    return len(frame)


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute(
            f"select run_id from {RESULTS_TABLE} group by run_id order by max(checked_at) desc limit 1"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def stored_results(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, suite: str | None = None
) -> list[ExpectationResult]:
    """The stored results of ``run_id`` (default: the latest run), optionally of one suite."""
    run_id = run_id or latest_run_id(con)
    if run_id is None:
        return []
    columns = [f.name for f in fields(ExpectationResult)]
    sql = f"select {', '.join(columns)} from {RESULTS_TABLE} where run_id = ?"
    params: list[Any] = [run_id]
    if suite is not None:
        sql += " and suite = ?"
        params.append(suite)
    try:
        rows = con.execute(sql + " order by checked_at, suite, table_name, expectation", params).fetchall()
    except duckdb.CatalogException:
        return []
    return [ExpectationResult(**dict(zip(columns, row, strict=True))) for row in rows]


def suite_results(con: duckdb.DuckDBPyConnection, suite: str, run_id: str) -> list[ExpectationResult]:
    """This run's results of one suite, or the latest run's when this run wrote none (checks run alone)."""
    results = stored_results(con, run_id, suite)
    if not results and not stored_results(con, run_id):
        results = stored_results(con, None, suite)
    return results


def failed_blocking(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[ExpectationResult]:
    """Failed blocking expectations of ``run_id`` (default: the latest run) — what the CLI prints."""
    return [r for r in stored_results(con, run_id) if r.is_blocking_failure]
