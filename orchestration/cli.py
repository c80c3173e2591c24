"""The ``asyncwfm`` command line (SPEC §9). Every failure is one readable message and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orchestration  # noqa: F401  (sets quiet library defaults before they are imported)
from orchestration.paths import LANDING_ENV, POLICY_ENV, WAREHOUSE_ENV


class UserError(Exception):
    """A mistake the user can fix; printed as one sentence, never as a traceback."""


@dataclass
class RunOutcome:
    success: bool
    seconds: float
    sources: list[tuple] = field(default_factory=list)  # (source, files, read, loaded, quarantined)
    models_built: int = 0
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    blocking_failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # step key -> STEP_START..SUCCESS/FAILURE
    published: Path | None = None  # the BI copy, when this run published it


def _say(message: str) -> None:
    print(message, flush=True)


def _check_warehouse_writable(warehouse: Path) -> None:
    import duckdb

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UserError(
                f"The warehouse {warehouse} is open in another process (a BI tool, `dagster dev` or a second "
                "run); close it, or point --warehouse at another file, and run again."
            ) from None
        raise UserError(f"Cannot open the warehouse {warehouse}: {exc}") from None
    except duckdb.Error as exc:
        raise UserError(
            f"{warehouse} is not a DuckDB warehouse this version can open ({exc}); "
            "choose another --warehouse."
        ) from None


def _full_refresh(warehouse: Path) -> None:
    """Forget what was ingested, so every landed file is read again (quality history is kept)."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop schema if exists raw cascade")


def run_pipeline(
    landing: Path, warehouse: Path, policy: Path | None = None, full_refresh: bool = False
) -> RunOutcome:
    """Ingest → dbt build → quality gates → staffing, in-process through Dagster."""
    from orchestration.policy import PolicyError, load_policy

    landing, warehouse = landing.resolve(), warehouse.resolve()
    if not landing.is_dir():
        raise UserError(
            f"The landing folder {landing} does not exist; pass the folder that holds email/, chat/, … "
            "(make one with `asyncwfm generate --out DIR`)."
        )
    if policy is not None:
        policy = policy.resolve()
        if not policy.is_file():
            raise UserError(
                f"The policy file {policy} does not exist; "
                "pass a CSV like dbt_project/seeds/channel_policies.csv."
            )
        try:
            load_policy(policy)
        except PolicyError as exc:
            raise UserError(str(exc)) from None
    _check_warehouse_writable(warehouse)
    if full_refresh:
        _full_refresh(warehouse)

    os.environ[WAREHOUSE_ENV] = str(warehouse)
    os.environ[LANDING_ENV] = str(landing)
    if policy is not None:
        os.environ[POLICY_ENV] = str(policy)
    else:
        os.environ.pop(POLICY_ENV, None)

    started = time.perf_counter()
    import dagster as dg

    from orchestration.definitions import defs

    definitions = defs()
    job = definitions.resolve_job_def("refresh")
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        # Failures are summarized by print_outcome; Dagster's own log would repeat them with stack traces.
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    outcome = RunOutcome(success=result.success, seconds=time.perf_counter() - started)
    _collect(result, outcome, warehouse, instance)
    return outcome


def _collect(result, outcome: RunOutcome, warehouse: Path, instance) -> None:
    import dagster as dg
    import duckdb

    kinds = dg.DagsterEventType
    started: dict[str, float] = {}
    planned: set[str] = set()
    materialized: set[str] = set()
    # The instance's log has every event of the run, run-level ones (materializations planned) included.
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == kinds.ASSET_MATERIALIZATION_PLANNED:
            planned.add(event.asset_key.to_user_string())
        elif event.event_type == kinds.ASSET_MATERIALIZATION:
            materialized.add(event.asset_key.to_user_string())
            if event.asset_key.path[0] in ("staging", "intermediate", "marts", "seeds"):
                outcome.models_built += 1
        elif event.event_type == kinds.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (kinds.STEP_SUCCESS, kinds.STEP_FAILURE) and event.step_key in started:
            outcome.stage_seconds[event.step_key] = entry.timestamp - started[event.step_key]
        if event.event_type == kinds.STEP_FAILURE:
            error = event.step_failure_data.error
            if error and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # reported below, with the check's own description
            message = error.message.strip() if error else "unknown error"
            if error and error.cause and "PolicyError" in error.cause.message:
                message = error.cause.message.strip()
            outcome.errors.append(f"{event.step_key}: {message.splitlines()[0] if message else ''}")
    # Steps abandoned because a blocking check or an upstream step failed emit no event of their own.
    outcome.skipped = sorted(planned - materialized)
    if "published/warehouse" in materialized:
        from orchestration.defs.publish.publisher import published_path

        outcome.published = published_path(warehouse)
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            outcome.checks_passed += 1
        else:
            outcome.checks_failed.append(name)
            if evaluation.severity == dg.AssetCheckSeverity.ERROR:
                details = evaluation.description or ""
                outcome.blocking_failures.append(f"{name} {details}".strip())
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            outcome.sources = con.execute(
                """
                select source, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined)
                from raw.file_ledger group by source order by source
                """
            ).fetchall()
    except duckdb.Error:
        outcome.sources = []


def print_outcome(outcome: RunOutcome) -> None:
    if outcome.sources:
        _say(f"{'source':<16}{'files':>7}{'read':>12}{'loaded':>12}{'quarantined':>13}")
        for source, files, read, loaded, quarantined in outcome.sources:
            _say(f"{source:<16}{files:>7}{read or 0:>12,}{loaded or 0:>12,}{quarantined or 0:>13,}")
    _say(
        f"models built: {outcome.models_built}; checks passed: {outcome.checks_passed}, "
        f"failed: {len(outcome.checks_failed)}; {outcome.seconds:.1f} s"
    )
    for failure in outcome.blocking_failures:
        _say(f"BLOCKING CHECK FAILED: {failure}")
    for error in outcome.errors:
        _say(f"FAILED: {error}")
    if outcome.skipped:
        _say(f"not built because of the failures above: {', '.join(sorted(outcome.skipped))}")
    if outcome.published:
        _say(f"published for BI (read-only): {outcome.published}")
    _say("run succeeded" if outcome.success and not outcome.blocking_failures else "run FAILED")


def _cmd_run(args: argparse.Namespace) -> int:
    policy_arg = args.policy or os.environ.get(POLICY_ENV)  # --policy wins over ASYNCWFM_POLICY
    policy = Path(policy_arg) if policy_arg else None
    outcome = run_pipeline(Path(args.landing), Path(args.warehouse), policy, args.full_refresh)
    print_outcome(outcome)
    return 0 if outcome.success and not outcome.blocking_failures else 1


def _cmd_generate(args: argparse.Namespace) -> int:
    from simulator import cli as simulator_cli

    return simulator_cli.run(args) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asyncwfm", description="Count asynchronous contact-center work explicitly, and staff for it."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest → dbt build → quality gates → staffing")
    run.add_argument("--landing", required=True, help="landing zone root (SPEC §2)")
    run.add_argument("--warehouse", required=True, help="DuckDB warehouse file (created if missing)")
    run.add_argument("--policy", help="counting policy CSV overriding dbt_project/seeds/channel_policies.csv")
    run.add_argument("--full-refresh", action="store_true", help="re-read every landed file")
    run.set_defaults(handler=_cmd_run)

    from simulator import cli as simulator_cli

    simulator_cli.add_parser(sub).set_defaults(handler=_cmd_generate)

    from orchestration.commands import register  # report, demo, export

    register(sub)
    from orchestration.commands import purge  # personal-data retention (docs/reliability.md)

    purge.add_parser(sub).set_defaults(handler=purge.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"asyncwfm: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("asyncwfm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an environment problem: one sentence, the traceback on request
        if os.environ.get("ASYNCWFM_DEBUG"):
            raise
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"asyncwfm: {args.command} failed: {type(exc).__name__}: {reason} "
            "(set ASYNCWFM_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
