"""`asyncwfm run` end to end on the small hand-written landing zone (tests/fixtures/landing_small).

Its email thread is SPEC §10.1: m1 inbound 09:00, a1 reads 09:00-09:02 and composes m2 09:02-09:07, m2 sent
09:07, m3 inbound 10:07, a1 reads m3 10:07-10:10. Expected (hand-computed in the SPEC):
thread/active 1 contact 600 s; thread/elapsed 1 contact 4200 s; message/active 3 contacts 600 s, AHT 200 s;
first response 420 s.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.paths import DEFAULT_POLICY_CSV

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"

# Identifiers and texts that appear in the fixture's raw files and must never leave schema raw.
PERSONAL_VALUES = [
    "ann@example.com",
    "+15557770100",
    "15557770100",
    "+15557770200",
    "@bob",
    "v-100",
    "order 42 has not arrived",
    "It ships today",
    "Where is my order",
    "blue one in stock",
    "change my delivery address",
    "My package is late",
]


def _policy_with(tmp_path: Path, name: str, **email_overrides: str) -> Path:
    rows = list(csv.DictReader(DEFAULT_POLICY_CSV.open()))
    for row in rows:
        if row["channel"] == "email":
            row.update(email_overrides)
    path = tmp_path / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _email_contacts(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            select contact_unit, count(*), sum(handle_seconds), avg(handle_seconds),
                min(first_response_seconds)
            from marts.fct_contacts where channel = 'email' group by contact_unit
            """
        ).fetchall()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    landing = root / "landing"
    shutil.copytree(FIXTURE, landing)
    warehouse = root / "warehouse.duckdb"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])
    return code, landing, warehouse, printed.getvalue()


def _table_counts(warehouse: Path, schema: str) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
        ]
        return {t: con.execute(f'select count(*) from {schema}."{t}"').fetchall()[0][0] for t in tables}


def test_run_succeeds_and_reports(first_run):
    code, _, _, printed = first_run
    assert code == 0
    summary = printed[printed.index("source ") :]  # dbt's own log lines come first
    assert "email" in summary and "agent_activity" in summary
    assert "quarantined" in summary and "models built:" in summary
    assert "BLOCKING" not in summary and summary.rstrip().endswith("run succeeded")
    assert "published for BI (read-only):" in summary and "warehouse.published.duckdb" in summary


def test_reference_case_thread_active(first_run):
    _, _, warehouse, _ = first_run
    # Default policy counts email by thread on active handle time.
    assert _email_contacts(warehouse) == [("thread", 1, 600.0, 600.0, 420.0)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        thread = con.execute(
            "select n_messages, span_seconds, engaged_seconds from marts.fct_contacts where channel = 'email'"
        ).fetchall()
    # span 09:00 -> 10:10; engaged = session 09:00-09:07 (7 min) + session 10:07-10:10 (3 min)
    assert thread == [(3, 4200.0, 600.0)]


def test_reference_table_side_by_side(first_run):
    """SPEC §10.1's whole table in one run, from agg_policy_comparison (every approach on the same data)."""
    _, _, warehouse, _ = first_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select approach, contacts, handle_seconds, aht_seconds from marts.agg_policy_comparison
            where channel = 'email' and contact_date = date '2026-01-05'
              and approach in ('thread/active', 'thread/elapsed', 'message/active')
            order by approach
            """
        ).fetchall()
    assert rows == [
        ("message/active", 3, 600.0, 200.0),
        ("thread/active", 1, 600.0, 600.0),
        ("thread/elapsed", 1, 4200.0, 4200.0),
    ]


def test_every_raw_row_accounted_for(first_run):
    _, _, warehouse, _ = first_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        bad = con.execute(
            "select path from raw.file_ledger where rows_read <> rows_loaded + rows_quarantined"
        ).fetchall()
        loaded = con.execute("select sum(rows_loaded), sum(rows_quarantined) from raw.file_ledger").fetchall()
    assert bad == []
    # 3 emails + 5 chat events + 2 sms + 2 posts + 2 calls + 7 segments + 6 state spans + 3 customers
    assert loaded == [(30, 0)]


def test_no_personal_data_outside_raw(first_run):
    _, _, warehouse, _ = first_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            """
            select table_schema, table_name, column_name from information_schema.columns
            where table_schema not in ('raw', 'config', 'information_schema', 'pg_catalog')
              and data_type = 'VARCHAR'
            """
        ).fetchall()
        assert columns, "expected string columns outside raw"
        leaks = []
        for schema, table, column in columns:
            for value in PERSONAL_VALUES:
                hits = con.execute(
                    f'select count(*) from {schema}."{table}" where contains("{column}", ?)', [value]
                ).fetchall()[0][0]
                if hits:
                    leaks.append((schema, table, column, value))
    assert leaks == []


def test_second_run_with_another_policy(first_run, tmp_path):
    """Re-running over the same landing zone adds no raw rows; --policy recounts the same work."""
    _, landing, shared_warehouse, _ = first_run
    warehouse = tmp_path / "warehouse.duckdb"  # a copy: the other tests keep reading the default-policy run
    shutil.copyfile(shared_warehouse, warehouse)
    raw_before = _table_counts(warehouse, "raw")
    policy = _policy_with(tmp_path, "message_active", contact_unit="message")
    assert (
        main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--policy", str(policy)]) == 0
    )
    assert _table_counts(warehouse, "raw") == raw_before
    rows = _email_contacts(warehouse)
    assert [(unit, n, total, avg) for unit, n, total, avg, _ in rows] == [("message", 3, 600.0, 200.0)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        handles = con.execute(
            "select handle_seconds from marts.fct_contacts where channel = 'email' order by started_at"
        ).fetchall()
        versions = con.execute("select distinct policy_version from marts.fct_contacts").fetchall()
    assert handles == [(120.0,), (300.0,), (180.0,)]  # read m1, compose m2, read m3
    assert len(versions) == 1


def test_invalid_policy_names_row_and_column(first_run, tmp_path, capsys):
    _, landing, warehouse, _ = first_run
    policy = _policy_with(tmp_path, "bad", session_gap_minutes="-5")
    code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--policy", str(policy)])
    err = capsys.readouterr().err
    assert code == 2
    assert "session_gap_minutes" in err and "email" in err and "row 1" in err
    assert "Traceback" not in err


def test_missing_landing_folder_is_one_sentence(tmp_path, capsys):
    code = main(["run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2
    assert "does not exist" in err and len(err.strip().splitlines()) == 1
