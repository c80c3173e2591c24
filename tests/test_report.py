"""`asyncwfm report` and `asyncwfm export` on a small warehouse shaped like SPEC §6 (no pipeline needed).

``make_warehouse`` writes every table the report reads; the browser test and the export test reuse it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main

SECTIONS = (
    "policy-comparison",
    "heatmaps",
    "service-level",
    "backlog",
    "staffing",
    "backtest",
    "data-quality",
)

CHANNELS = ("voice", "chat", "email", "sms", "social")


def make_warehouse(path: Path, days: int = 21, failing_check: bool = False) -> Path:
    """Write a warehouse with every table the report reads (3 weeks of 15-minute intervals, 5 channels)."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema quality; create schema raw; create schema staging")
    channels = ", ".join(f"('{c}')" for c in CHANNELS)
    con.execute(
        f"""
        create table marts.agg_interval_kpis as
        with ch(channel) as (values {channels}),
        iv as (select unnest(generate_series(timestamp '2026-01-05', timestamp '2026-01-05'
                                             + interval {days} day - interval 15 minute, interval 15 minute))
               as interval_start)
        select interval_start, channel || '_main' as queue_id, channel,
               greatest(0, round(10 * sin(pi() * (hour(interval_start) - 6) / 14)
                   * case when isodow(interval_start) > 5 then 0.4 else 1 end))::bigint as contacts_offered,
               3::bigint as messages_inbound, 2::bigint as messages_outbound,
               600.0 * greatest(0, sin(pi() * (hour(interval_start) - 6) / 14)) as handle_seconds_worked,
               300.0 as aht_seconds,
               0.7 + 0.25 * ((hash(interval_start, channel) % 100) / 100.0) as service_level,
               (hash(channel, interval_start) % 7)::bigint as backlog_end,
               1.5 as avg_concurrency, 0::bigint as abandoned, 'v1' as policy_version
        from iv, ch
        """
    )
    con.execute(
        f"""
        create table marts.agg_policy_comparison as
        with ch(channel) as (values {channels}),
        ap(contact_unit, handle_time_basis, factor, aht) as (values
            ('message', 'active', 3.0, 200.0), ('session', 'active', 1.5, 400.0),
            ('thread', 'active', 1.0, 600.0), ('thread', 'elapsed', 1.0, 4200.0),
            ('journey', 'active', 0.9, 660.0)),
        d as (select unnest(generate_series(date '2026-01-05', date '2026-01-05' + {days - 1},
                                            interval 1 day))::date
              as day)
        select day, channel, contact_unit || '/' || handle_time_basis as approach,
               (100 * factor)::bigint as contacts, 100 * factor * aht as handle_seconds, aht as aht_seconds,
               contact_unit = 'thread' and handle_time_basis = 'active' as is_configured_approach,
               'v1' as policy_version
        from d, ch, ap
        """
    )
    con.execute(
        f"""
        create table marts.fct_contacts as
        select 'c' || i as contact_id, ['voice', 'chat', 'email', 'sms', 'social'][1 + i % 5] as channel,
               'q' as queue_id, 'thread' as contact_unit,
               timestamp '2026-01-05' + to_seconds(i * 60) as started_at, 300.0 as handle_seconds,
               'v1' as policy_version
        from range({days * 200}) t(i)
        """
    )
    con.execute(
        """
        create table marts.fct_staffing_requirements as
        select interval_start, queue_id, channel, false as is_forecast, contacts_offered::double as contacts,
               aht_seconds, handle_seconds_worked as workload_seconds,
               ceil(contacts_offered / 3.0)::integer as required_agents,
               ceil(contacts_offered / 3.0 / 0.7)::integer as required_scheduled_agents, 0.3 as shrinkage,
               case when channel = 'email' then 'deferred' else 'erlang_c' end as method
        from marts.agg_interval_kpis
        union all
        select interval_start + interval 7 day, queue_id, channel, true, contacts_offered, aht_seconds,
               handle_seconds_worked, ceil(contacts_offered / 3.0)::integer,
               ceil(contacts_offered / 3.0 / 0.7)::integer, 0.3, 'erlang_c'
        from marts.agg_interval_kpis
        where interval_start >= (select max(interval_start) - interval 7 day from marts.agg_interval_kpis)
        """
    )
    con.execute(
        """
        create table marts.agg_agent_interval as
        select interval_start, 'a' || a as agent_id, 400.0 as handle_seconds, 500.0 as busy_seconds,
               300.0 as available_seconds, 0.6 as occupancy, 1.0 as avg_concurrency,
               100.0 as shrinkage_seconds
        from (select distinct interval_start from marts.agg_interval_kpis), range(5) t(a)
        where hour(interval_start) between 8 and 17
        """
    )
    con.execute(
        f"""
        create table marts.forecast_backtest as
        select channel || '_main' as queue_id, channel, date '2026-01-19' as week_start,
               0.12 as wape, 1000.0 as actual_contacts, 1080.0 as forecast_contacts
        from (values {channels}) ch(channel)
        """
    )
    con.execute(
        """
        create table staging.stg_seeds__channel_policies as
        select * from (values ('voice', 20, 0.8), ('chat', 60, 0.8), ('email', 86400, 0.9),
                              ('sms', 3600, 0.85), ('social', 3600, 0.85))
            t(channel, service_target_seconds, service_level_goal)
        """
    )
    con.execute(
        f"""
        create table quality.validation_results as
        select 'run1' as run_id, s.suite, s.table_name, e.expectation, 'error' as severity,
               not ({failing_check} and s.suite = 'raw_email' and e.expectation = 'unique')
                   as success,
               0::bigint as unexpected_count, '' as observed_value, '[]' as examples,
               timestamp '2026-01-26 02:30' as checked_at
        from (values ('raw_email', 'raw.email'), ('raw_chat', 'raw.chat'),
                     ('staged', 'staging.stg_voice__calls'))
            s(suite, table_name),
             (values ('unique'), ('not_null'), ('in_range')) e(expectation)
        """
    )
    con.execute(
        """
        create table raw.quarantine as
        select * from (values ('email', 'email/dt=2026-01-05/a.jsonl', 3, 'broken JSON', '{',
                               now()::timestamp),
                              ('voice', 'voice/dt=2026-01-06/b.csv', 9,
                               'missing required field: offered_at', '',
                               now()::timestamp))
            t(source, _file, _line, reason, raw_text, _ingested_at)
        """
    )
    con.execute(
        """
        create table raw.file_ledger as
        select * from (values ('email', 'email/dt=2026-01-05/a.jsonl', 100, 'h', 50, 49, 1, now()::timestamp),
                              ('voice', 'voice/dt=2026-01-06/b.csv', 100, 'h', 40, 39, 1, now()::timestamp))
            t(source, path, size_bytes, content_hash, rows_read, rows_loaded, rows_quarantined, loaded_at)
        """
    )
    con.close()
    return path


def section_html(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', page, flags=re.S)
    assert match, f"section {section_id} missing from the report"
    return match.group(0)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return make_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


def test_report_draws_every_chart_section(warehouse, tmp_path, capsys):
    out = tmp_path / "report.html"
    before = warehouse.stat().st_mtime_ns
    assert main(["report", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    page = out.read_text()
    for section_id in SECTIONS:
        body = section_html(page, section_id)
        assert '<svg class="chart"' in body, f"{section_id} has no chart"
        assert "Not available" not in body
    assert 'class="report-error"' not in page
    assert "<script" not in page and not re.search(r'(src|href)="https?:', page), (
        "report must be self-contained"
    )
    assert warehouse.stat().st_mtime_ns == before, "the report must open the warehouse read-only"
    assert "report written to" in capsys.readouterr().out
    # units and titles a planner needs
    for text in ("AHT (minutes)", "contacts offered per interval", "agents", "answered within target"):
        assert text in page
    policy = section_html(page, "policy-comparison")
    assert "the policy counts by" in policy and "<td>thread/active</td>" in policy


def test_report_on_empty_warehouse_says_what_is_missing(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    out = tmp_path / "report.html"
    assert main(["report", "--warehouse", str(empty), "--out", str(out)]) == 0
    page = out.read_text()
    for section_id in SECTIONS:
        assert "Not available in this warehouse" in section_html(page, section_id)
    assert 'class="report-error"' not in page


def test_report_shows_failed_blocking_checks(tmp_path):
    wh = make_warehouse(tmp_path / "failing.duckdb", days=14, failing_check=True)
    out = tmp_path / "report.html"
    main(["report", "--warehouse", str(wh), "--out", str(out)])
    quality = section_html(out.read_text(), "data-quality")
    assert "1 blocking expectation(s) failed" in quality
    assert "raw_email" in quality


def test_policy_comparison_accepts_the_wide_shape(tmp_path):
    from orchestration.report.queries import Warehouse, policy_comparison

    path = tmp_path / "wide.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create schema marts;
            create table marts.agg_policy_comparison as
            select date '2026-01-05' as day, 'email' as channel,
                   3 as contacts_message_active, 600.0 as handle_seconds_message_active,
                   1 as contacts_thread_active, 600.0 as handle_seconds_thread_active,
                   1 as contacts_thread_elapsed, 4200.0 as handle_seconds_thread_elapsed
            """
        )
    wh = Warehouse.open(path)
    frame = policy_comparison(wh).set_index("approach")
    wh.close()
    # SPEC §10.1: thread/active 600 s, thread/elapsed 4200 s, message/active 200 s
    assert frame.loc["thread/active", "aht_seconds"] == 600
    assert frame.loc["thread/elapsed", "aht_seconds"] == 4200
    assert frame.loc["message/active", "aht_seconds"] == 200
    assert list(frame.index) == ["message/active", "thread/active", "thread/elapsed"]


def test_report_on_a_missing_warehouse_is_one_sentence(tmp_path, capsys):
    missing = tmp_path / "nope.duckdb"
    assert main(["report", "--warehouse", str(missing), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "asyncwfm run" in err and "Traceback" not in err
    assert not missing.exists(), "a report must not create a warehouse"


def test_report_on_a_file_that_is_not_a_warehouse(tmp_path, capsys):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello")
    assert main(["report", "--warehouse", str(bogus), "--out", str(tmp_path / "r.html")]) == 2
    assert "is not a DuckDB database" in capsys.readouterr().err


def test_report_while_a_refresh_writes_the_warehouse(warehouse, tmp_path, capsys):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["report", "--warehouse", str(warehouse), "--out", str(tmp_path / "r.html")]) == 2
        assert "being written by another process" in capsys.readouterr().err
        assert main(["export", "--warehouse", str(warehouse), "--out", str(tmp_path / "x")]) == 2
        assert "being written by another process" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)


def test_export_writes_readable_parquet(warehouse, tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["export", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        expected = {
            f"marts/{t}.parquet": con.execute(f"select count(*) from marts.{t}").fetchall()[0][0]
            for t in marts
        }
        expected["quality/validation_results.parquet"] = con.execute(
            "select count(*) from quality.validation_results"
        ).fetchall()[0][0]
    found = {p.relative_to(out).as_posix() for p in out.rglob("*.parquet")}
    assert found == set(expected)
    assert not list(out.rglob("*.partial"))
    reader = duckdb.connect()
    for name, rows in expected.items():
        assert reader.execute(f"select count(*) from read_parquet('{out / name}')").fetchall()[0][0] == rows
        assert f"{rows:,} rows" in printed


def test_export_of_a_warehouse_without_marts(tmp_path, capsys):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["export", "--warehouse", str(empty), "--out", str(tmp_path / "x")]) == 2
    assert "has no marts yet" in capsys.readouterr().err


def test_report_on_a_published_warehouse_withholds_quarantined_values(tmp_path):
    """The published BI copy has raw.quarantine_summary, not raw.quarantine; reasons never show values."""
    path = make_warehouse(tmp_path / "warehouse.published.duckdb", days=14)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table raw.quarantine_summary as select 'email' as source, 'a.jsonl' as file, "
            "'unknown direction value ''jane@example.com''' as reason, 4::bigint as rows_quarantined"
        )
        con.execute(
            "insert into raw.quarantine select 'sms', 'f', 1, 'unknown direction value ''+15551234''', '', "
            "now()::timestamp"
        )
    out = tmp_path / "report.html"
    main(["report", "--warehouse", str(path), "--out", str(out)])
    quality = section_html(out.read_text(), "data-quality")
    assert "sms: unknown direction value (withheld)" in quality
    assert "+15551234" not in quality
    with duckdb.connect(str(path)) as con:
        con.execute("drop table raw.quarantine")
    main(["report", "--warehouse", str(path), "--out", str(out)])
    quality = section_html(out.read_text(), "data-quality")
    assert "email: unknown direction value (withheld)" in quality
    assert "jane@example.com" not in quality
    assert "Not available" not in quality
