"""Intervals in a DST-observing site time zone (site_timezone = Europe/Berlin). One dbt build.

DECISIONLOG "KPIs and intervals": intervals are bucketed in local time; interval_start_utc is the key, so the
repeated local hour of a fall-back day is two distinct intervals. 2026-03-29 (spring forward, 02:00 CET ->
03:00 CEST) has 23 hours = 92 intervals of 15 minutes; 2026-10-25 (fall back, 03:00 CEST -> 02:00 CET) has
25 hours = 100.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import duckdb
import pytest
from test_kpi_support import rows, run_dbt_build, write_raw


def email(message_id: str, at: str) -> dict:
    return {"message_id": message_id, "mailbox": "support", "direction": "inbound",
            "customer_address": f"{message_id}@example.com", "sent_at": at}  # fmt: skip


RAW = {
    "email": [
        email("late-sat", "2026-03-28T23:30:00Z"),  # 00:30 CET on Sunday 29 March: that local day
        email("spring", "2026-03-29T01:05:00Z"),  # 03:05 CEST
        email("fall-cest", "2026-10-25T00:30:00Z"),  # 02:30 CEST, first pass of the repeated hour
        email("fall-cet", "2026-10-25T01:30:00Z"),  # 02:30 CET, second pass
    ],
    "agent_activity": [
        {"segment_id": "w1", "agent_id": "a1", "channel": "email", "item_id": "fall-cest", "activity": "read",
         "started_at": "2026-10-25T00:40:00Z", "ended_at": "2026-10-25T01:20:00Z"},
    ],
    "agent_states": [
        {"agent_id": "a1", "state": "available", "started_at": "2026-10-25T00:00:00Z",
         "ended_at": "2026-10-25T02:00:00Z"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("kpi_dst")
    path = work / "warehouse.duckdb"
    write_raw(path, RAW)
    run_dbt_build(path, work, variables="{site_timezone: Europe/Berlin}")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_intervals_per_local_day(warehouse: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        rows(
            warehouse, "select interval_date, count(*) from intermediate.int_kpi_intervals_spined group by 1"
        )
    )
    # The first event (2026-03-28 23:30 UTC) is on local Sunday 29 March: the spine starts that local day.
    assert min(counts) == date(2026, 3, 29) and max(counts) == date(2026, 10, 25)
    assert counts[date(2026, 3, 29)] == 92
    assert counts[date(2026, 3, 30)] == 96
    assert counts[date(2026, 10, 25)] == 100
    assert counts[date(2026, 10, 24)] == 96
    # The KPI mart has the same intervals for each queue.
    assert rows(
        warehouse,
        "select count(*) from marts.agg_interval_kpis where queue_id = 'email_support' "
        "and interval_date in ('2026-03-29', '2026-10-25')",
    ) == [(192,)]


def test_spring_forward_skips_the_missing_hour(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        "select interval_start, interval_end, interval_start_utc, utc_offset_minutes, messages_inbound "
        "from marts.agg_interval_kpis where queue_id = 'email_support' "
        "and interval_start_utc between '2026-03-29 00:45:00' and '2026-03-29 01:00:00' order by "
        "interval_start_utc",
    )
    assert got == [
        (datetime(2026, 3, 29, 1, 45), datetime(2026, 3, 29, 3, 0), datetime(2026, 3, 29, 0, 45), 60, 0),
        (datetime(2026, 3, 29, 3, 0), datetime(2026, 3, 29, 3, 15), datetime(2026, 3, 29, 1, 0), 120, 1),
    ]


def test_fall_back_keeps_the_repeated_hour_apart(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        "select interval_start_utc, utc_offset_minutes, is_repeated_local_time, messages_inbound "
        "from marts.agg_interval_kpis where queue_id = 'email_support' and interval_start = "
        "'2026-10-25 02:30:00' "
        "order by interval_start_utc",
    )
    assert got == [
        (datetime(2026, 10, 25, 0, 30), 120, True, 1),
        (datetime(2026, 10, 25, 1, 30), 60, True, 1),
    ]
    # Local 02:00-02:59 occurs twice, every other local time once.
    assert rows(
        warehouse,
        "select count(*) from intermediate.int_kpi_intervals_spined where is_repeated_local_time",
    ) == [(8,)]


def test_work_and_states_split_across_the_repeated_hour(warehouse: duckdb.DuckDBPyConnection) -> None:
    # a1 reads 00:40-01:20 UTC (02:40 CEST - 02:20 CET): 300 + 900 + 900 + 300 s.
    got = rows(
        warehouse,
        "select interval_start, interval_start_utc, handle_seconds, available_seconds from "
        "marts.agg_agent_interval "
        "where agent_id = 'a1' order by interval_start_utc",
    )
    assert [(g[1].strftime("%H:%M"), g[0].strftime("%H:%M"), g[2], g[3]) for g in got] == [
        ("00:00", "02:00", 0.0, 900.0),
        ("00:15", "02:15", 0.0, 900.0),
        ("00:30", "02:30", 300.0, 900.0),
        ("00:45", "02:45", 900.0, 900.0),
        ("01:00", "02:00", 900.0, 900.0),
        ("01:15", "02:15", 300.0, 900.0),
        ("01:30", "02:30", 0.0, 900.0),
        ("01:45", "02:45", 0.0, 900.0),
    ]


def test_contact_day_is_the_local_day(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        "select contact_date, contacts from marts.agg_policy_comparison "
        "where approach = 'message/active' order by 1",
    )
    assert got == [(date(2026, 3, 29), 2), (date(2026, 10, 25), 2)]
