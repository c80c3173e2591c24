"""A landed file re-delivered at the same path with other content replaces its rows everywhere downstream,
although staging is built incrementally (new files only)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import duckdb

from orchestration.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"
ACTIVITY = Path("agent_activity") / "dt=2026-01-05" / "part-0.jsonl"


def _run(landing: Path, warehouse: Path) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])


def test_changed_file_at_the_same_path_replaces_its_staged_rows(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURE, landing)
    warehouse = tmp_path / "warehouse.duckdb"
    assert _run(landing, warehouse) == 0

    # Re-deliver agent_activity: a1 read m3 until 10:12 instead of 10:10, and the social segment is gone.
    path = landing / ACTIVITY
    segments = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for segment in segments:
        if segment["segment_id"] == "seg3":
            segment["ended_at"] = "2026-01-05T10:12:00Z"
    segments = [s for s in segments if s["segment_id"] != "seg6"]
    path.write_text("".join(json.dumps(s) + "\n" for s in segments))
    assert _run(landing, warehouse) == 0

    with duckdb.connect(str(warehouse), read_only=True) as con:
        staged = con.execute(
            "select segment_id, ended_at from staging.stg_agent_activity__segments order by segment_id"
        ).fetchall()
        email = con.execute(
            "select count(*), sum(handle_seconds) from marts.fct_contacts where channel = 'email'"
        ).fetchall()
    assert [segment_id for segment_id, _ in staged] == ["seg1", "seg2", "seg3", "seg4", "seg5", "seg7"]
    assert dict(staged)["seg3"].isoformat() == "2026-01-05T10:12:00"
    # SPEC §10.1 thread: 120 + 300 + 300 (the read of m3 now lasts 5 minutes)
    assert email == [(1, 720.0)]
