"""Gates on a synthetic warehouse: a clean set passes, each hand-made defect fails a named expectation.

The defects here complement the simulator's fault manifest (tests/test_quality_simulator.py) with those the
simulator does not inject: conflicting duplicates, out-of-window timestamps, ledger drift, staging gaps,
volume drops, a double-mapped queue key. Each test runs only the suite it needs (GX: ≈ 40 ms/expectation).
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from data_quality.config import GateConfigError, load_config
from data_quality.runner import (
    ExpectationResult,
    failed_blocking,
    format_failure,
    run_gates,
    stored_results,
    write_results,
)
from data_quality.suites import SUITES, all_checks
from data_quality.synthetic import build_staging, build_synthetic, write_ledger


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    build_synthetic(connection, rows=12_000, days=21)
    yield connection
    connection.close()


def _failed(results: list[ExpectationResult]) -> set[tuple[str, str]]:
    return {(r.expectation, r.table_name) for r in results if not r.success}


def test_every_suite_has_checks_and_names_are_unique() -> None:
    checks = all_checks()
    assert {c.suite for c in checks} == set(SUITES)
    keys = [(c.name, c.table) for c in checks]
    assert len(keys) == len(set(keys))
    config = load_config()
    for check in checks:  # every expectation has an explicit severity in gates.yml
        assert check.name in config.expectations, check.name


def test_clean_synthetic_warehouse_passes_every_expectation(con: duckdb.DuckDBPyConnection) -> None:
    results = run_gates(con, "clean")
    assert len(results) >= 90
    assert _failed(results) == set(), [format_failure(r) for r in results if not r.success]
    # volume is actually judged (3 weeks of history), not skipped
    volume = [r for r in results if r.expectation == "volume_within_band" and r.table_name == "raw.chat"]
    assert volume[0].element_count and volume[0].element_count > 0


def _sql(
    *statements: str, staging: bool = True, ledger: bool = True
) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def apply(con: duckdb.DuckDBPyConnection) -> None:
        for statement in statements:
            con.execute(statement)
        if ledger:
            write_ledger(con)
        if staging:
            build_staging(con)

    return apply


DAY20 = "email/dt=2026-01-25/part-0.jsonl"
# (defect, suite, mutation, expected failing (expectation, table), expected severity)
DEFECTS = [
    (
        "same id, different content",
        "raw_ids",
        _sql(
            "insert into raw.email select * replace ('other' as mailbox) "
            "from raw.email where message_id = 'm7'"
        ),
        ("id_no_conflicting_duplicates", "raw.email"),
        "blocking",
    ),
    (
        "same id, same content (re-delivery)",
        "raw_ids",
        _sql(
            "insert into raw.sms select * replace ('sms/dt=2026-01-06/again.csv' as _file) "
            "from raw.sms limit 3"
        ),
        ("id_no_identical_duplicates", "raw.sms"),
        "warning",
    ),
    (
        "timestamp a month before its landing day",
        "raw_timestamps",
        _sql("update raw.voice set offered_at = '2025-12-01T10:00:00Z' where call_id = 'v5'"),
        ("timestamps_within_landing_day", "raw.voice"),
        "blocking",
    ),
    (
        "timestamp after the export (clock skew beyond tolerance)",
        "raw_timestamps",
        _sql("update raw.chat set occurred_at = '2026-01-06T09:00:00+00:00' where event_id = 'ce1'"),
        ("timestamps_within_landing_day", "raw.chat"),
        "blocking",
    ),
    (
        "a timestamp that does not parse slipped into raw",
        "raw_timestamps",
        _sql("update raw.email set sent_at = 'yesterday' where message_id = 'm3'"),
        ("timestamps_parse", "raw.email"),
        "blocking",
    ),
    (
        "a late row (accepted, reported)",
        "raw_timestamps",
        _sql(f"update raw.email set _file = '{DAY20}' where message_id = 'm2'"),
        ("rows_arrive_on_time", "raw.email"),
        "warning",
    ),
    (
        "ledger says read 10, loaded 9, quarantined 0",
        "raw_ledger",
        _sql(
            "update raw.file_ledger set rows_read = rows_read + 1 where path like 'chat/dt=2026-01-07/%'",
            ledger=False,
        ),
        ("ledger_rows_reconcile", "raw.file_ledger"),
        "blocking",
    ),
    (
        "rows in raw that the ledger does not count",
        "raw_ledger",
        _sql(
            "insert into raw.social select * replace ('p-extra' as post_id) from raw.social limit 1",
            ledger=False,
        ),
        ("ledger_matches_tables", "raw.file_ledger"),
        "blocking",
    ),
    (
        "a tenth of a day's rows quarantined",
        "raw_ledger",
        _sql(
            "insert into raw.quarantine "
            "select 'voice', _file, _line + 1000, 'broken CSV', 'x', now()::timestamp "
            "from raw.voice where _file like 'voice/dt=2026-01-08/%'"
        ),
        ("quarantine_share_below_blocking", "raw.voice"),
        "blocking",
    ),
    (
        "a required field null in staging",
        "staging",
        _sql(
            "update staging.stg_chat__events set visitor_key = null where event_id = 'ce9'",
            staging=False,
            ledger=False,
        ),
        ("required_not_null", "staging.stg_chat__events"),
        "blocking",
    ),
    (
        "staging keeps two rows of one id",
        "staging",
        _sql(
            "insert into staging.stg_voice__calls "
            "select * from staging.stg_voice__calls where call_id = 'v1'",
            staging=False,
            ledger=False,
        ),
        ("id_unique", "staging.stg_voice__calls"),
        "blocking",
    ),
    (
        "a state span that ends before it starts",
        "staging",
        _sql("update raw.agent_states set ended_at = '2026-01-05T00:00:00Z' where _line = 10"),
        ("ended_not_before_started", "staging.stg_agent_states__spans"),
        "blocking",
    ),
    (
        "a call answered after it ended",
        "staging",
        _sql("update raw.voice set answered_at = '2026-01-05T23:59:00Z' where call_id = 'v2'"),
        ("ended_not_before_started", "staging.stg_voice__calls"),
        "blocking",
    ),
    (
        "a segment on a call that does not exist",
        "referential",
        _sql(
            "update raw.agent_activity set item_id = 'v-missing' "
            "where channel = 'voice' and segment_id = 'seg4'"
        ),
        ("segment_item_exists", "staging.stg_agent_activity__segments"),
        "blocking",
    ),
    (
        "an agent with five chats at once",
        "concurrency",
        _sql(
            "insert into raw.agent_activity select 'segx' || i, 'a1', 'chat', 'c' || i, 'read', "
            "'2026-01-12T10:00:00Z', '2026-01-12T10:05:00Z', 'agent_activity/dt=2026-01-12/part-0.jsonl', "
            "100000 + i, now()::timestamp, null from range(5) r(i)"
        ),
        ("chat_concurrency_within_limit", "staging.stg_agent_activity__segments"),
        "blocking",
    ),
    (
        "an unmapped mailbox",
        "queues",
        _sql("update raw.email set mailbox = 'sales-eu' where message_id in ('m10', 'm12')"),
        ("queue_key_mapped", "staging.stg_email__messages"),
        "warning",
    ),
    (
        "one source key mapped to two queues",
        "queues",
        _sql(
            "insert into staging.stg_seeds__queues "
            "values ('email_support2', 'email', 'support', 'Support again')",
            staging=False,
            ledger=False,
        ),
        ("queue_seed_keys_unique", "staging.stg_seeds__queues"),
        "blocking",
    ),
    (
        "a day with a fifth of the usual chat volume",
        "volume",
        _sql("delete from raw.chat where _file like 'chat/dt=2026-01-24/%' and _line % 5 <> 0"),
        ("volume_within_band", "raw.chat"),
        "warning",
    ),
    (
        "a day without any voice file",
        "volume",
        _sql("delete from raw.voice where _file like 'voice/dt=2026-01-23/%'"),
        ("volume_day_not_missing", "raw.voice"),
        "blocking",
    ),
]


@pytest.mark.parametrize(
    ("defect", "suite", "mutate", "expected", "severity"), DEFECTS, ids=[d[0] for d in DEFECTS]
)
def test_each_defect_fails_its_named_expectation(
    con: duckdb.DuckDBPyConnection,
    defect: str,
    suite: str,
    mutate: Callable[[duckdb.DuckDBPyConnection], None],
    expected: tuple[str, str],
    severity: str,
) -> None:
    before = run_gates(con, "before", suites=[suite])
    assert _failed(before) == set()
    mutate(con)
    results = run_gates(con, "after", suites=[suite])
    failed = {(r.expectation, r.table_name): r for r in results if not r.success}
    assert expected in failed, f"{defect}: {[format_failure(r) for r in failed.values()]}"
    result = failed[expected]
    assert result.severity == severity
    assert result.unexpected_count and result.unexpected_count > 0
    assert result.examples, "a failed expectation names a few failing ids or values"


def test_results_are_stored_and_failed_blocking_names_table_expectation_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("update raw.agent_activity set item_id = 'gone' where segment_id in ('seg1', 'seg6')")
    build_staging(con)
    results = run_gates(con, "run-1", suites=["referential", "queues"])
    assert write_results(con, results) == len(results)
    rows = con.execute(
        "select suite, table_name, expectation, severity, success, unexpected_count, examples "
        "from quality.validation_results where run_id = 'run-1'"
    ).fetchall()
    assert len(rows) == len(results)  # one row per expectation per run
    failures = failed_blocking(con, "run-1")
    assert [(f.table_name, f.expectation, f.unexpected_count) for f in failures] == [
        ("staging.stg_agent_activity__segments", "segment_item_exists", 2)
    ]
    line = format_failure(failures[0])
    assert "segment_item_exists" in line and "2 rows failed" in line and "seg1" in line
    # a second run appends; failed_blocking() without a run id reads the latest run
    build_synthetic(con, rows=12_000, days=21)
    write_results(con, run_gates(con, "run-2", suites=["referential"]))
    assert failed_blocking(con) == []
    assert len(stored_results(con, "run-1")) == len(results)


def test_missing_staging_table_fails_instead_of_crashing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop table staging.stg_sms__messages")
    results = run_gates(con, "r", suites=["staging"])
    missing = [r for r in results if r.table_name == "staging.stg_sms__messages"]
    assert missing and all(not r.success and "missing table" in r.observed_value for r in missing)


def test_user_gates_file_overrides_severity_and_tolerance(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con.execute("update raw.email set mailbox = 'sales-eu' where message_id = 'm10'")
    con.execute("update raw.voice set offered_at = '2025-12-01T10:00:00Z' where call_id = 'v5'")
    build_staging(con)
    gates = tmp_path / "gates.yml"
    gates.write_text(
        "tolerances:\n  timestamp_days_before: 60\n"
        "expectations:\n  queue_key_mapped@staging.stg_email__messages: {severity: blocking}\n"
        "  volume_within_band: {severity: off}\n"
    )
    monkeypatch.setenv("ASYNCWFM_GATES", str(gates))
    config = load_config()
    assert config.tolerance("timestamp_hours_after") == 3  # untouched keys keep the project's value
    results = run_gates(con, "r", config=config, suites=["queues", "raw_timestamps", "volume"])
    by_key = {(r.expectation, r.table_name): r for r in results}
    assert by_key[("queue_key_mapped", "staging.stg_email__messages")].is_blocking_failure
    assert by_key[("queue_key_mapped", "staging.stg_chat__events")].severity == "warning"
    assert by_key[("timestamps_within_landing_day", "raw.voice")].success  # 60 days of tolerance
    assert not any(r.expectation == "volume_within_band" for r in results)


def test_malformed_gates_file_names_the_key(tmp_path: Path) -> None:
    gates = tmp_path / "gates.yml"
    gates.write_text("expectations:\n  segment_item_exists: {severity: fatal}\n")
    with pytest.raises(GateConfigError, match="segment_item_exists.severity"):
        load_config(gates)
