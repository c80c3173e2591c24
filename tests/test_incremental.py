"""Incremental refresh (issue 9): appending a day gives the same warehouse as a full refresh.

Ingestion is incremental through its file ledger; the staging models that read raw are dbt incremental
models (``macros/incremental/only_new_raw_rows.sql``): they read only raw rows of new files whose id is not
staged yet.
The scenario: three days are refreshed; then day 4 lands together with a *late file* (part of day 2's emails,
delivered in day 4's folder) and the warehouse is refreshed again. Every staging table and core mart must
equal the ones of a warehouse built in one go from the same landing zone, including threads that span the
day boundary and the threads the late emails belong to. A file *changed* at a known path (the dbt step then
rebuilds staging in full) is tests/test_replaced_file.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import run_pipeline
from simulator import generate

STAGING = [  # staging tables that read raw
    "stg_email__messages", "stg_email__references", "stg_chat__events", "stg_sms__messages",
    "stg_social__posts", "stg_voice__calls", "stg_agent_activity__segments", "stg_agent_states__spans",
    "stg_customers__identities",
]  # fmt: skip
# rebuilt only for the keys of the refresh scope (int_refresh_*), or in full (journeys, KPIs)
INTERMEDIATE = [
    "int_sessions_split", "int_journeys_linked", "int_contacts_assigned", "int_responses_measured",
    "int_work_attributed", "int_work_apportioned", "int_kpi_backlog_waits", "int_kpi_work_split_by_interval",
    "int_kpi_backlog_by_interval",
]  # fmt: skip
MARTS = ["fct_threads", "fct_sessions", "fct_contacts", "fct_journeys", "agg_interval_kpis",
         "agg_policy_comparison", "agg_agent_interval"]  # fmt: skip


def _link(source: Path, target: Path, days: list[str], skip: set[Path] = frozenset()) -> None:
    for folder in sorted(source.glob("*/dt=*")):
        if folder.name not in days:
            continue
        dest = target / folder.parent.name / folder.name
        dest.mkdir(parents=True, exist_ok=True)
        for file in folder.iterdir():
            if file not in skip and not (dest / file.name).exists():
                os.link(file, dest / file.name)


def _differences(a: Path, b: Path, table: str) -> int:
    """Rows in one table and not the other; doubles compared to 1e-6 (sums over 2 threads are not bitwise
    reproducible: 471.6666666666667 vs 471.66666666666674 between two builds of the same data)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        columns = con.execute(f"describe a.{table}").fetchall()
        select = ", ".join(f'round("{c}", 6)' if t == "DOUBLE" else f'"{c}"' for c, t, *_ in columns)
        one = con.execute(
            f"select count(*) from (select {select} from a.{table} except all select {select} from b.{table})"
        ).fetchall()[0][0]
        two = con.execute(
            f"select count(*) from (select {select} from b.{table} except all select {select} from a.{table})"
        ).fetchall()[0][0]
    return one + two


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("incremental")
    generated = root / "generated"
    generate(generated, days=4, seed=11, agents=6)
    days = sorted({p.name for p in generated.glob("*/dt=*")})
    day2_email = next((generated / "email" / days[1]).iterdir())
    lines = day2_email.read_text().splitlines(keepends=True)
    late_lines, kept_lines = lines[1::2], lines[0::2]  # every other email of day 2 arrives late

    incremental, reference = root / "incremental", root / "reference"
    # refresh 1: days 1-3, without the late half of day 2's emails
    _link(generated, incremental, days[:3], skip={day2_email})
    (incremental / "email" / days[1] / day2_email.name).write_text("".join(kept_lines))
    wh_incremental = root / "incremental.duckdb"
    first = run_pipeline(incremental, wh_incremental)
    # the emails still missing leave work segments on unknown items: the referential gate blocks staffing,
    # but every dbt model is built (that is all this refresh is for)
    assert not [e for e in first.errors if e.startswith("dbt_models")], first.errors
    with duckdb.connect(
        str(wh_incremental)
    ) as con:  # a row no rebuild would keep: proves staging is appended
        con.execute("insert into staging.stg_customers__identities (customer_id, source_file) "
                    "values ('sentinel-not-rebuilt', 'customers/dt=sentinel/x.csv')")  # fmt: skip
    # refresh 2: day 4 lands, with the late file in its folder
    _link(generated, incremental, days[3:])
    (incremental / "email" / days[3] / "email-late-from-day2.jsonl").write_text("".join(late_lines))
    second = run_pipeline(incremental, wh_incremental)
    assert second.success, second.errors
    with duckdb.connect(str(wh_incremental)) as con:
        keys = [("int_refresh_threads", "thread_id"), ("int_refresh_journeys", "journey_id"),
                ("int_refresh_segments", "segment_id"), ("int_refresh_pieces", "segment_id"),
                ("int_refresh_facts", "journey_id"),
                ("int_refresh_intervals", "interval_start_utc")]  # fmt: skip
        scope = {
            table: con.execute(f"select count(distinct {key}) from intermediate.{table}").fetchall()[0][0]
            for table, key in keys
        }
        totals = {
            "threads": con.execute("select count(*) from marts.fct_threads").fetchall()[0][0],
            "journeys": con.execute("select count(*) from marts.fct_journeys").fetchall()[0][0],
        }
        sentinel = con.execute("select count(*) from staging.stg_customers__identities "
                               "where customer_id = 'sentinel-not-rebuilt'").fetchall()[0][0]  # fmt: skip
        con.execute(
            "delete from staging.stg_customers__identities where customer_id = 'sentinel-not-rebuilt'"
        )

    # the reference: the same final landing zone, one full build
    shutil.copytree(incremental, reference)
    wh_reference = root / "reference.duckdb"
    full = run_pipeline(reference, wh_reference)
    assert full.success, full.errors
    return {"incremental": wh_incremental, "reference": wh_reference, "landing": incremental, "days": days,
            "sentinel": sentinel, "late": len(late_lines), "scope": scope, "totals": totals}  # fmt: skip


def test_staging_was_appended_not_rebuilt(scenario: dict) -> None:
    assert scenario["sentinel"] == 1


def test_second_refresh_rebuilt_part_of_the_threads_and_journeys(scenario: dict) -> None:
    """The refresh after day 4 went through the incremental scope: some threads, journeys, segments and pieces
    were in it (day 4 and the late emails), not all of them (days 1-3 stay as they were)."""
    scope, totals = scenario["scope"], scenario["totals"]
    assert all(count > 0 for count in scope.values()), scope
    assert scope["int_refresh_threads"] < totals["threads"]
    assert scope["int_refresh_facts"] < totals["journeys"]


@pytest.mark.parametrize(
    "table",
    [f"staging.{t}" for t in STAGING]
    + [f"intermediate.{t}" for t in INTERMEDIATE]
    + [f"marts.{t}" for t in MARTS],
)
def test_incremental_equals_full_refresh(scenario: dict, table: str) -> None:
    assert _differences(scenario["incremental"], scenario["reference"], table) == 0


def test_scenario_covers_day_boundary_threads_and_the_late_file(scenario: dict) -> None:
    day4 = scenario["days"][3].removeprefix("dt=")
    with duckdb.connect(str(scenario["incremental"]), read_only=True) as con:
        spanning = con.execute(
            f"select count(*) from marts.fct_threads where started_at < '{day4}' and ended_at >= '{day4}'"
        ).fetchall()[0][0]
        late = con.execute(
            "select count(*) from staging.stg_email__messages where source_file like '%email-late-from-day2%'"
        ).fetchall()[0][0]
    assert spanning > 0
    assert late == scenario["late"] > 0


def test_dbt_full_refresh_rebuilds_staging_identically(scenario: dict, tmp_path: Path) -> None:
    """`dbt build --full-refresh` still works on the incremental models and gives the same tables."""
    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(scenario["incremental"], warehouse)
    project = Path(__file__).resolve().parents[1] / "dbt_project"
    target = tmp_path / "target"
    env = dict(os.environ, ASYNCWFM_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--full-refresh", "--select", "path:models/staging",
         "--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(target)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert all(r["status"] == "success" for r in results)
    for table in STAGING:
        assert _differences(warehouse, scenario["reference"], f"staging.{table}") == 0, table


def _dbt_test_failures(warehouse: Path, target: Path, select: list[str]) -> dict[str, int]:
    project = Path(__file__).resolve().parents[1] / "dbt_project"
    env = dict(os.environ, ASYNCWFM_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "test", "--select", *select, "--project-dir", str(project),
         "--profiles-dir", str(project), "--target-path", str(target)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert all(r["status"] in ("pass", "fail") for r in results), [r["message"] for r in results]
    return {r["unique_id"].split(".")[2]: r["failures"] for r in results}


def test_data_tests_judge_the_rows_a_refresh_rebuilt(scenario: dict, tmp_path: Path) -> None:
    """In an incremental refresh a data test judges the rows the refresh rebuilt (DECISIONLOG "Data tests in
    an incremental refresh"): a new row duplicating the key of an old one still fails `unique`, counted with
    it; a duplicate between rows the refresh did not touch was judged by the build that wrote them. In a full
    build every row is judged again."""
    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(scenario["incremental"], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        rebuilt = "select journey_id from intermediate.int_refresh_journeys where journey_id is not null"
        old_row = f"from intermediate.int_contacts_assigned where journey_id not in ({rebuilt})"
        con.execute(
            f"insert into intermediate.int_contacts_assigned select * replace "
            f"(({rebuilt} order by 1 limit 1) as journey_id) {old_row} order by message_key limit 1"
        )
        con.execute(
            f"insert into intermediate.int_contacts_assigned select * {old_row} "
            f"order by message_key desc limit 1"
        )
        staged = "select path from config.staged_files"
        old_event = f"from staging.stg_chat__events where source_file in ({staged})"
        con.execute(
            f"insert into staging.stg_chat__events select * replace ('chat/dt=late/x.jsonl' as "
            f"source_file) {old_event} order by event_id limit 1"
        )
        con.execute(
            f"insert into staging.stg_chat__events select * {old_event} order by event_id desc limit 1"
        )
    tests = ["unique_int_contacts_assigned_message_key", "unique_stg_chat__events_event_id",
             "assert_every_message_in_one_thread_session_contact"]  # fmt: skip
    incremental = _dbt_test_failures(warehouse, tmp_path / "incremental", tests)
    assert incremental == dict.fromkeys(tests, 1)  # the duplicate with a rebuilt row, not the old one

    with duckdb.connect(str(warehouse)) as con:  # the state of a full build: nothing staged, not incremental
        con.execute("update intermediate.int_refresh_state set is_incremental = false")
        con.execute("delete from config.staged_files")
    assert _dbt_test_failures(warehouse, tmp_path / "full", tests) == dict.fromkeys(tests, 2)


def test_refresh_scope_meta_matches_what_the_pre_hook_deletes() -> None:
    """Data tests judge the rows a model's `meta.refresh_scope` names; they must be the rows its pre-hook
    deletes and rebuilds (`delete_refreshed_rows(column, ref(scope))`), for every model that has one."""
    import re

    from orchestration.defs.transform.project import ensure_manifest

    nodes = json.loads(ensure_manifest().read_text())["nodes"].values()
    hook = re.compile(r"delete_refreshed_rows\('(\w+)', ref\('(\w+)'\)\)")
    checked = 0
    for node in nodes:
        hooks = [hook.search(h["sql"]) for h in node.get("config", {}).get("pre-hook", [])]
        for match in filter(None, hooks):
            declared = node["config"]["meta"].get("refresh_scope")
            assert declared == {"scope": match[2], "column": match[1]}, node["name"]
            checked += 1
    assert checked >= 11


def test_build_state_decides_when_a_refresh_must_be_full(tmp_path: Path) -> None:
    """The models after staging may refresh incrementally only on top of a finished build of the same models,
    vars and policy; anything else (first build, a build that failed or was killed, a partial selection, a new
    policy file) makes the next build full."""
    from orchestration.defs.transform.assets import (
        build_fingerprint,
        finish_build,
        full_refresh_reason,
        start_build,
    )  # fmt: skip

    policy = tmp_path / "policy.csv"
    policy.write_text("channel,contact_unit\nemail,thread\n")
    fingerprint = build_fingerprint({}, str(policy))
    with duckdb.connect() as con:
        assert full_refresh_reason(con, fingerprint, True) == "no complete build recorded"
        start_build(con, fingerprint)
        assert full_refresh_reason(con, fingerprint, True) == "the last build did not finish"
        finish_build(con, fingerprint)
        assert full_refresh_reason(con, fingerprint, True) is None
        assert full_refresh_reason(con, fingerprint, False) == "only some dbt models are selected"
        assert full_refresh_reason(con, build_fingerprint({"interval_minutes": 30}, str(policy)), True)
        policy.write_text("channel,contact_unit\nemail,session\n")
        assert build_fingerprint({}, str(policy)) != fingerprint
        assert full_refresh_reason(con, build_fingerprint({}, str(policy)), True) == (
            "the models, dbt vars or counting policy changed since the last build"
        )


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Days 2-3 are refreshed first; then day 1 (older than everything stored: the interval spine grows at its
    start, threads of day 1 continue into day 2) and day 4 land together."""
    root = tmp_path_factory.mktemp("backfill")
    generated = root / "generated"
    generate(generated, days=4, seed=5, agents=5)
    days = sorted({p.name for p in generated.glob("*/dt=*")})
    incremental, reference = root / "incremental", root / "reference"
    _link(generated, incremental, days[1:3])
    wh_incremental = root / "incremental.duckdb"
    first = run_pipeline(incremental, wh_incremental)
    assert not [e for e in first.errors if e.startswith("dbt_models")], first.errors
    _link(generated, incremental, [days[0], days[3]])
    second = run_pipeline(incremental, wh_incremental)
    assert not [e for e in second.errors if e.startswith("dbt_models")], second.errors
    with duckdb.connect(str(wh_incremental), read_only=True) as con:
        threads = con.execute(
            "select count(distinct thread_id) from intermediate.int_refresh_threads"
        ).fetchall()
    shutil.copytree(incremental, reference)
    wh_reference = root / "reference.duckdb"
    full = run_pipeline(reference, wh_reference)
    assert not [e for e in full.errors if e.startswith("dbt_models")], full.errors
    return {"incremental": wh_incremental, "reference": wh_reference, "scope_threads": threads[0][0]}


@pytest.mark.parametrize("table", [f"intermediate.{t}" for t in INTERMEDIATE] + [f"marts.{t}" for t in MARTS])
def test_backfill_of_an_older_day_equals_full_refresh(backfill: dict, table: str) -> None:
    assert backfill["scope_threads"] > 0  # the second refresh was incremental, not full
    assert _differences(backfill["incremental"], backfill["reference"], table) == 0
