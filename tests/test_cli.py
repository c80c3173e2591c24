"""The command line's contract with the user: blocking failures named, exit codes, one-sentence errors."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory):
    """The small landing zone plus one agent work segment that ends before it starts (SPEC §8: blocking)."""
    root = tmp_path_factory.mktemp("blocked")
    landing = root / "landing"
    shutil.copytree(FIXTURE, landing)
    segment = {
        "segment_id": "seg-backwards",
        "agent_id": "a1",
        "channel": "email",
        "item_id": "m3",
        "activity": "other",
        "started_at": "2026-01-05T10:20:00Z",
        "ended_at": "2026-01-05T10:15:00Z",
    }
    with (landing / "agent_activity" / "dt=2026-01-05" / "part-0.jsonl").open("a") as handle:
        handle.write(json.dumps(segment) + "\n")
    warehouse = root / "warehouse.duckdb"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])
    return code, printed.getvalue(), warehouse


def test_blocking_failure_exits_non_zero(blocked_run):
    code, _, _ = blocked_run
    assert code == 1


def test_blocking_failure_names_table_expectation_and_rows(blocked_run):
    _, printed, _ = blocked_run
    summary = printed[printed.index("models built:") :]
    blocking = [line for line in summary.splitlines() if line.startswith("BLOCKING CHECK FAILED")]
    assert blocking, summary
    named = " ".join(blocking)
    assert "stg_agent_activity__segments" in named
    assert "ended_not_before_started" in named
    assert "1 rows failed" in named or "1 row failed" in named
    assert "seg-backwards" in named  # an example of the failing rows
    assert summary.rstrip().endswith("run FAILED")


def test_blocking_failure_keeps_staffing_unbuilt(blocked_run):
    _, printed, warehouse = blocked_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    # The marts that describe the data are built; staffing and forecast are not (SPEC §8).
    assert "fct_contacts" in tables and "agg_interval_kpis" in tables
    assert "fct_staffing_requirements" not in tables
    assert "fct_volume_forecast" not in tables
    assert "marts/fct_staffing_requirements" in printed  # listed as not built


def test_unexpected_error_is_one_sentence(monkeypatch, tmp_path, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(cli, "run_pipeline", broken)
    code = main(["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == (
        "asyncwfm: run failed: RuntimeError: disk on fire (set ASYNCWFM_DEBUG=1 to see the traceback)"
    )


def test_policy_from_environment_when_no_flag(monkeypatch, tmp_path):
    seen = {}

    def fake(landing, warehouse, policy=None, full_refresh=False):
        seen["policy"] = policy
        return cli.RunOutcome(success=True, seconds=0.0)

    monkeypatch.setattr(cli, "run_pipeline", fake)
    monkeypatch.setenv("ASYNCWFM_POLICY", str(tmp_path / "env_policy.csv"))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", "--landing", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    assert seen["policy"] == tmp_path / "env_policy.csv"
    flag = tmp_path / "flag.csv"
    with contextlib.redirect_stdout(io.StringIO()):
        main(
            [
                "run",
                "--landing",
                str(tmp_path),
                "--warehouse",
                str(tmp_path / "w.duckdb"),
                "--policy",
                str(flag),
            ]
        )
    assert seen["policy"] == flag
