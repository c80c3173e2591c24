"""`asyncwfm demo` end to end, reduced size: warehouse with marts, report with every chart, Parquet export.

The demo runs once per session in a subprocess (like a user would run it); it takes a few minutes because of
dbt's fixed cost per model and test, not because of the data volume.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_report import SECTIONS, make_warehouse

from orchestration.cli import RunOutcome, main

ROOT = Path(__file__).resolve().parent.parent
SPEC_MARTS = (
    "fct_contacts",
    "fct_threads",
    "fct_sessions",
    "fct_journeys",
    "agg_interval_kpis",
    "agg_policy_comparison",
    "agg_agent_interval",
    "fct_volume_forecast",
    "fct_staffing_requirements",
    "forecast_backtest",
)
CLI = "import sys; from orchestration.cli import main; sys.exit(main(sys.argv[1:]))"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASYNCWFM_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-c", CLI, "demo", "--days", "14", "--agents", "8"],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    return cwd / "demo", done


def test_demo_succeeds_and_says_where_everything_is(demo):
    folder, done = demo
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    out = done.stdout
    for stage in ("[1/3] generate", "[2/3] run", "[3/3] report"):
        assert stage in out
    assert re.search(r"demo finished in \d+ s \(generate \d+ s, run \d+ s, report \d+ s\)", out)
    assert f"warehouse    : {folder / 'warehouse.duckdb'}" in out
    assert f"report       : {folder / 'report.html'}" in out
    assert f"ASYNCWFM_WAREHOUSE={folder / 'warehouse.duckdb'}" in out
    assert f"ASYNCWFM_LANDING={folder / 'landing'}" in out
    assert "dev -m orchestration.definitions" in out


def test_demo_warehouse_has_every_mart_with_rows(demo):
    folder, _ = demo
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [t for t in SPEC_MARTS if t not in tables]
        assert not missing, f"marts not built: {missing}"
        empty = [
            t for t in SPEC_MARTS if con.execute(f"select count(*) from marts.{t}").fetchall()[0][0] == 0
        ]
        assert not empty, f"marts without rows: {empty}"


def test_demo_report_has_a_chart_in_every_section(demo):
    folder, _ = demo
    page = (folder / "report.html").read_text()
    assert 'class="report-error"' not in page
    for section_id in SECTIONS:
        match = re.search(rf'<section id="{section_id}".*?</section>', page, flags=re.S)
        assert match, section_id
        assert '<svg class="chart"' in match.group(0), f"{section_id}: {match.group(0)[:400]}"


def test_demo_warehouse_exports_to_readable_parquet(demo, tmp_path, capsys):
    folder, _ = demo
    out = tmp_path / "export"
    assert main(["export", "--warehouse", str(folder / "warehouse.duckdb"), "--out", str(out)]) == 0
    files = {p.relative_to(out).as_posix(): p for p in out.rglob("*.parquet")}
    for mart in SPEC_MARTS:
        assert f"marts/{mart}.parquet" in files
    assert "quality/validation_results.parquet" in files
    reader = duckdb.connect()
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as source:
        for name, path in files.items():
            schema, table = name.removesuffix(".parquet").split("/")
            expected = source.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
            exported = reader.execute("select count(*) from read_parquet(?)", [str(path)]).fetchall()[0][0]
            assert exported == expected, name
    rows = reader.execute(f"select count(*) from read_parquet('{files['marts/fct_contacts.parquet']}')")
    assert rows.fetchall()[0][0] > 0


def test_demo_writes_the_report_and_fails_when_the_run_fails(tmp_path, monkeypatch, capsys):
    """A failed run still leaves a report (its data-quality section says why) and a non-zero exit."""
    import orchestration.cli as cli
    from orchestration.commands import demo as demo_command

    folder = tmp_path / "demo"

    def fake_generate(landing, days, agents, seed):
        landing.mkdir(parents=True, exist_ok=True)

    def failed_run(landing, warehouse, policy=None, full_refresh=False):
        make_warehouse(warehouse, days=14, failing_check=True)
        return RunOutcome(success=False, seconds=1.0, blocking_failures=["raw/email:unique 3 rows"])

    monkeypatch.setattr(demo_command, "_generate", fake_generate)
    monkeypatch.setattr(cli, "run_pipeline", failed_run)
    assert main(["demo", "--dir", str(folder), "--days", "7", "--agents", "4"]) == 1
    captured = capsys.readouterr()
    assert "BLOCKING CHECK FAILED: raw/email:unique" in captured.out
    assert "the pipeline run failed" in captured.err
    page = (folder / "report.html").read_text()
    assert "blocking expectation(s) failed" in page


def test_demo_refuses_a_warehouse_held_open_elsewhere(tmp_path, capsys):
    folder = tmp_path / "demo"
    folder.mkdir()
    warehouse = folder / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', "
            "flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["demo", "--dir", str(folder)]) == 2
        err = capsys.readouterr().err
        assert "open in another process" in err and "--dir" in err
        assert warehouse.exists(), "the demo must not delete a warehouse another process holds"
    finally:
        holder.kill()
        holder.wait()


def test_the_usual_mistakes_are_one_sentence_with_the_fix(tmp_path, capsys):
    """Missing landing folder, bad or missing policy, report on a missing warehouse: exit 2, no traceback."""
    landing = tmp_path / "landing"
    (landing / "email").mkdir(parents=True)
    bad_policy = tmp_path / "policy.csv"
    bad_policy.write_text("channel,contact_unit\nemail,bogus\n")
    warehouse = tmp_path / "warehouse.duckdb"
    cases = [
        (["run", "--landing", str(tmp_path / "nowhere"), "--warehouse", str(warehouse)], "asyncwfm generate"),
        (
            ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--policy", str(bad_policy)],
            "must be one of message, session, thread, got 'bogus'",
        ),
        (
            [
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--policy",
                str(tmp_path / "no.csv"),
            ],
            "does not exist",
        ),
        (["report", "--warehouse", str(warehouse), "--out", str(tmp_path / "r.html")], "asyncwfm run"),
        (["export", "--warehouse", str(warehouse), "--out", str(tmp_path / "x")], "asyncwfm run"),
        (["demo", "--days", "0"], "at least 1"),
    ]
    for argv, fix in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("asyncwfm: ") and fix in err and "Traceback" not in err, (argv, err)
    assert not warehouse.exists(), "a refused command must not create a warehouse"
