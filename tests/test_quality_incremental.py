"""Raw-row gates after an append judge only the new files' rows, with the verdicts of a full judgement.

The rule (data_quality/scope.py, DECISIONLOG "Quality gates"): a check that found no failing row in the last
recorded run reads only the rows of files ingested since; every other check, and every check after a replaced
file, a rebuilt raw or a changed gates config, reads everything. Real ingestion of hand-made landing files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from data_quality import suites
from data_quality.config import GateConfig, load_config
from data_quality.runner import ExpectationResult, failed_blocking, run_gates, write_results
from data_quality.scope import RawScope, plan_scope
from data_quality.suites import MeasureContext, _daily_volumes
from data_quality.synthetic import build_synthetic
from orchestration.defs.ingestion.loader import ingest
from orchestration.defs.quality.assets import suite_checks, validation_results

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"
RAW_SUITES = ["raw_ledger", "raw_ids", "raw_timestamps"]
DAY2 = "email/dt=2026-01-06/part-0.jsonl"
T0 = dt.datetime(2026, 1, 6, 1, 0)


def _email(message_id: str, sent_at: str, subject: str = "Hello") -> dict[str, object]:
    return {
        "message_id": message_id,
        "in_reply_to": None,
        "references": [],
        "ticket_id": None,
        "mailbox": "support",
        "direction": "inbound",
        "customer_address": "bo@example.com",
        "agent_id": None,
        "sent_at": sent_at,
        "subject": subject,
        "body": "…",
    }


def _land(landing: Path, rel: str, rows: list[dict[str, object]]) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    shutil.copytree(FIXTURE, path)
    return path


@pytest.fixture
def con(landing: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    ingest(connection, landing, ingested_at=T0)
    yield connection
    connection.close()


def _judge(
    con: duckdb.DuckDBPyConnection, run_id: str, config: GateConfig | None = None
) -> tuple[RawScope, list[ExpectationResult]]:
    """What the gate asset does: plan, run, store the results and the files they judged."""
    config = config or load_config()
    scope = plan_scope(con, config)
    results = run_gates(con, run_id, config=config, suites=RAW_SUITES, scope=scope)
    write_results(con, results, scope)
    return scope, results


def _comparable(results: list[ExpectationResult]) -> dict[tuple[str, str], ExpectationResult]:
    return {
        (r.expectation, r.table_name): dataclasses.replace(r, run_id="", checked_at=dt.datetime(2000, 1, 1))
        for r in results
    }


def _full(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], ExpectationResult]:
    return _comparable(run_gates(con, "reference", suites=RAW_SUITES))


def _by_name(results: list[ExpectationResult]) -> dict[tuple[str, str], ExpectationResult]:
    return {(r.expectation, r.table_name): r for r in results}


def test_append_is_judged_on_its_own_rows_and_catches_bad_timestamp_and_repeated_old_id(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    scope, first = _judge(con, "day1")
    assert not scope.is_incremental and all(r.success for r in first)

    _land(
        landing,
        DAY2,
        [
            _email("m4", "2026-01-06T08:00:00Z"),
            _email("m5", "2026-03-01T08:00:00Z"),  # after its own export day: impossible
            _email("m1", "2026-01-06T09:00:00Z", subject="Other"),  # m1 was delivered on day 1, other content
        ],
    )
    ingest(con, landing, ingested_at=T0 + dt.timedelta(days=1))
    scope, results = _judge(con, "day2")

    assert scope.is_incremental and scope.since_run == "day1"
    assert [path for path, _ in scope.new_files or ()] == [DAY2]
    got = _by_name(results)
    window = got[("timestamps_within_landing_day", "raw.email")]
    assert not window.success and window.unexpected_count == 1
    assert window.examples == f"{DAY2}:2 sent_at=2026-03-01T08:00:00Z"
    assert window.element_count == 6  # the share is of every raw.email row, as in a full judgement
    conflict = got[("id_no_conflicting_duplicates", "raw.email")]
    assert not conflict.success and conflict.unexpected_count == 2 and conflict.examples == "m1"
    assert {(r.table_name, r.expectation) for r in failed_blocking(con, "day2")} == {
        ("raw.email", "timestamps_within_landing_day"),
        ("raw.email", "id_no_conflicting_duplicates"),
    }
    assert _comparable(results) == _full(con)  # same verdicts, counts and examples as reading everything


def test_old_rows_are_not_read_again(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """Raw changes only through ingestion: a row edited in place behind its back is not re-read."""
    _judge(con, "day1")
    con.execute("update raw.email set sent_at = 'not a time' where message_id = 'm2'")  # outside the contract
    _land(landing, DAY2, [_email("m4", "2026-01-06T08:00:00Z")])
    ingest(con, landing, ingested_at=T0 + dt.timedelta(days=1))

    scope, results = _judge(con, "day2")
    assert scope.is_incremental
    assert _by_name(results)[("timestamps_parse", "raw.email")].success
    reference = _full(con)[("timestamps_parse", "raw.email")]
    assert not reference.success and reference.unexpected_count == 1


def test_a_failure_stays_reported_and_blocking_after_a_clean_append(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    _land(landing, DAY2, [_email("m1", "2026-01-06T09:00:00Z", subject="Other")])
    ingest(con, landing, ingested_at=T0 + dt.timedelta(days=1))
    _, before = _judge(con, "day2")
    conflict = ("id_no_conflicting_duplicates", "raw.email")
    assert not _by_name(before)[conflict].success

    _land(landing, "email/dt=2026-01-07/part-0.jsonl", [_email("m9", "2026-01-07T08:00:00Z")])
    ingest(con, landing, ingested_at=T0 + dt.timedelta(days=2))
    scope, after = _judge(con, "day3")
    assert scope.is_incremental
    # the failed check is judged on every row again; the checks that passed only on the new file
    assert not scope.judges_new_only("raw_ids", *conflict)
    assert scope.judges_new_only("raw_timestamps", "timestamps_parse", "raw.email")
    assert _by_name(after)[conflict].unexpected_count == 2
    assert [r.expectation for r in failed_blocking(con, "day3")] == ["id_no_conflicting_duplicates"]
    assert _comparable(after) == _full(con)


def test_replaced_file_rebuilt_raw_or_changed_config_judge_everything(
    con: duckdb.DuckDBPyConnection, landing: Path, tmp_path: Path
) -> None:
    assert plan_scope(con, load_config()).reason == "no earlier gate run recorded"
    _judge(con, "day1")
    assert plan_scope(con, load_config()).is_incremental  # nothing new: the checks read no rows

    gates = tmp_path / "gates.yml"
    gates.write_text("tolerances: {timestamp_hours_after: 1}\n")
    changed = plan_scope(con, load_config(gates))
    assert not changed.is_incremental and changed.reason == "the gates config changed"

    email = landing / "email" / "dt=2026-01-05" / "part-0.jsonl"
    email.write_text(email.read_text().replace("It ships today.", "It shipped."))
    ingest(con, landing, ingested_at=T0 + dt.timedelta(days=1))
    replaced = plan_scope(con, load_config())
    assert not replaced.is_incremental and "email/dt=2026-01-05/part-0.jsonl" in replaced.reason

    _judge(con, "day2")
    for table in ("file_ledger", "quarantine", "email"):
        con.execute(f"delete from raw.{table}")
    ingest(con, landing, ingested_at=T0 + dt.timedelta(days=2))  # raw rebuilt: every file loaded again
    assert not plan_scope(con, load_config()).is_incremental


def test_volume_reads_only_the_days_it_reports_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gates = tmp_path / "gates.yml"  # one week of history: its median is that one day's count
    gates.write_text("tolerances: {volume_weeks: 1, volume_min_weeks: 1}\n")
    config = load_config(gates)
    with duckdb.connect() as con:
        build_synthetic(con, rows=20_000, days=60)
        last_day = con.execute(
            "select max(try_cast(regexp_extract(path, 'dt=([0-9-]+)', 1) as date)) from raw.file_ledger"
        ).fetchall()[0][0]
        first_history_day = last_day - dt.timedelta(days=7 - 1 + 7)  # volume_judged_days, volume_weeks
        # A row at the latest instant its file's window allows (dt + 27 h - 1 s) counts on the next day: the
        # file of the day before the first history day holds a row of that day, which must be read.
        day = first_history_day - dt.timedelta(days=1)
        con.execute(
            f"""insert into raw.chat by name select * replace (
                'edge' as event_id,
                strftime(timestamp '{day}' + interval 27 hour - interval 1 second, '%Y-%m-%dT%H:%M:%SZ')
                    as occurred_at)
            from raw.chat where _file like 'chat/dt={day}/%' limit 1"""
        )
        read_recent = _daily_volumes(MeasureContext(con=con, config=config))
        monkeypatch.setattr(suites, "volume_first_file_day", lambda ctx: None)
        read_all = _daily_volumes(MeasureContext(con=con, config=config))
    judged = read_all["is_judged"].astype(bool)
    assert judged.sum() > 0
    day_counts = read_all.set_index(["source", "day"])["n"]
    assert (
        day_counts[("chat", str(first_history_day))]
        == day_counts[("chat", str(first_history_day + dt.timedelta(days=7)))] + 1
    )
    assert read_recent[judged].equals(read_all[judged])


def test_the_gate_asset_judges_a_rerun_incrementally(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        build_synthetic(con, rows=8_000, days=21)

    def materialize() -> dict[str, object]:
        result = dg.materialize(
            [validation_results, *suite_checks],
            resources={"duckdb": DuckDBResource(database=str(warehouse))},
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        (event,) = result.get_asset_materialization_events()
        metadata = event.materialization.metadata
        return {key: metadata[key].value for key in ("raw_scope", "raw_files_judged")}

    first = materialize()
    assert str(first["raw_scope"]).startswith("full") and first["raw_files_judged"] == 21 * 8
    second = materialize()
    assert str(second["raw_scope"]).startswith("incremental") and second["raw_files_judged"] == 0
