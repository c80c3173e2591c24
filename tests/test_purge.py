"""``asyncwfm purge`` (issue 10): which texts are nulled, what is recorded, and what is never touched.

Built on raw tables loaded by ``ingest`` from the small fixture (no dbt). That marts are unchanged by a purge
(a re-run after purge gives the same marts) is checked end to end in tests/test_reliability.py.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.commands.purge import purge
from orchestration.defs.ingestion.loader import ingest

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"
NOW = dt.datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURE, landing)
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        # Ingested recently (2026-02-25), events of 2026-01-05.
        ingest(con, landing, ingested_at=dt.datetime(2026, 2, 25))
        con.execute(
            "insert into raw.quarantine values "
            "('email', 'email/dt=2026-01-05/x.jsonl', 9, 'broken JSON', '{\"body\": \"secret\"', ?)",
            [dt.datetime(2026, 2, 28)],
        )
        con.execute("create schema marts")
        con.execute("create table marts.fct_contacts as select 1 as contact_id")
    return path


def _texts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            "email": con.execute(
                "select count(*) from raw.email where subject is not null or body is not null"
            ).fetchall()[0][0],
            "chat": con.execute("select count(*) from raw.chat where text is not null").fetchall()[0][0],
            "sms": con.execute("select count(*) from raw.sms where body is not null").fetchall()[0][0],
            "social": con.execute("select count(*) from raw.social where text is not null").fetchall()[0][0],
            "quarantine": con.execute(
                "select count(*) from raw.quarantine where raw_text is not null"
            ).fetchall()[0][0],
        }


def test_nothing_is_purged_inside_the_retention(warehouse: Path):
    before = _texts(warehouse)
    assert before == {"email": 3, "chat": 3, "sms": 2, "social": 2, "quarantine": 1}
    done = purge(warehouse, 90, now=NOW)  # events are 55 days old, ingestion 5 days
    assert all(n == 0 for _, n in done)
    assert _texts(warehouse) == before


def test_old_events_are_purged_even_when_ingested_recently(warehouse: Path):
    done = dict(purge(warehouse, 30, now=NOW))  # events 55 days old: purged; quarantine ingested 2 days ago
    assert (
        done["raw.email"] == 3 and done["raw.chat"] == 3 and done["raw.sms"] == 2 and done["raw.social"] == 2
    )
    assert done["raw.quarantine"] == 0
    assert _texts(warehouse) == {"email": 0, "chat": 0, "sms": 0, "social": 0, "quarantine": 1}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Ids, timestamps, personal identifiers (hashed downstream) and every other column stay.
        assert con.execute("select count(*) from raw.email where message_id is not null").fetchall() == [(3,)]
        assert con.execute(
            "select count(*) from raw.email where customer_address is not null"
        ).fetchall() == [(3,)]
        assert con.execute("select count(*) from marts.fct_contacts").fetchall() == [(1,)]
        log = con.execute(
            "select table_name, columns, rows_purged, older_than_days, cutoff from meta.purge_log "
            "where table_name = 'raw.email'"
        ).fetchall()
    assert log == [("raw.email", "subject,body,_extra", 3, 30.0, NOW - dt.timedelta(days=30))]
    # A second purge finds nothing left to purge, and is recorded too.
    assert dict(purge(warehouse, 30, now=NOW))["raw.email"] == 0


def test_old_ingestion_is_purged_whatever_the_event_time(warehouse: Path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.chat set occurred_at = '2200-01-01T00:00:00Z'")  # a hostile future timestamp
    done = dict(purge(warehouse, 1, now=NOW))  # everything was ingested ≥ 1 day ago
    assert done["raw.chat"] == 3 and done["raw.quarantine"] == 1
    assert _texts(warehouse) == {"email": 0, "chat": 0, "sms": 0, "social": 0, "quarantine": 0}


def test_compaction_rewrites_the_file(warehouse: Path):
    inode = os.stat(warehouse).st_ino
    (warehouse.parent / "warehouse.duckdb.purge-tmp-999").write_bytes(b"left by a killed purge")
    purge(warehouse, 0, now=NOW)
    assert os.stat(warehouse).st_ino != inode
    assert sorted(p.name for p in warehouse.parent.iterdir() if p.is_file()) == ["warehouse.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.email").fetchall() == [(3,)]
        assert con.execute("select count(*) from raw.file_ledger").fetchall() == [(8,)]


def test_cli_purges_and_refuses_clearly(warehouse: Path, capsys):
    assert main(["purge", "--warehouse", str(warehouse), "--older-than", "0"]) == 0
    assert "recorded in meta.purge_log" in capsys.readouterr().out
    published = warehouse.with_name("warehouse.published.duckdb")
    published.write_bytes(b"")
    assert main(["purge", "--warehouse", str(published), "--older-than", "0"]) == 2
    assert "published copy" in capsys.readouterr().err
    assert main(["purge", "--warehouse", str(warehouse.with_name("nope.duckdb")), "--older-than", "1"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["purge", "--warehouse", str(warehouse), "--older-than", "-1"]) == 2
