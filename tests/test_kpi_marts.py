"""KPI marts (issue 5): hand-computed fixtures on one UTC day, 2026-01-05 (site_timezone = UTC).

Definitions quoted from docs/metrics.md and dbt_project/DECISIONLOG.md ("KPIs and intervals"). One dbt build.

The day:
- email (SPEC §10.1): m1 in 09:00; a1 reads m1 09:00-09:02, composes m2 09:02-09:07, m2 out 09:07;
  m3 in 10:07; a1 reads m3 10:07-10:10 (closed without reply).
- chat ch1: customer 09:10, agent a2 09:11; a2 works ch1 09:10-09:20 (crosses the 09:15 boundary).
- chat ch2/ch3 (agent a3, apportioned): ch2 customer 10:00, a3 10:00:30, work 10:00-10:10; ch3 customer 10:05,
  never answered, work 10:05-10:15.
- sms (one thread): s1 in 09:20, s2 in 09:40, s3 out (a1) 10:05, s4 in 10:20 never answered nor handled.
- voice: c1 offered 11:00:00 answered 11:00:15 ended 11:05 (a4, wrap 60 s); c2 offered 11:30 abandoned,
  ended 11:30:40; c3 offered 11:31 answered 11:31:30 ended 11:35 (a4).
- a1 works on an unknown email item 14:00-14:05 (unattributed: agent work, no contact).
- a4's states: available 08:00-10:00, break 10:00-10:15, available 10:15-12:00, lunch 12:00-12:30,
  meeting 12:30-13:00, training 13:00-13:30, available 13:30-16:00, offline 16:00-17:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import duckdb
import pytest
from test_kpi_support import rows, run_dbt_build, write_raw

D = "2026-01-05"


def ts(hhmmss: str) -> str:
    return f"{D}T{hhmmss}Z"


def seg(segment_id: str, agent: str, channel: str, item: str, activity: str, start: str, end: str) -> dict:
    return {
        "segment_id": segment_id, "agent_id": agent, "channel": channel, "item_id": item,
        "activity": activity, "started_at": ts(start), "ended_at": ts(end),
    }  # fmt: skip


def chat(event_id: str, chat_id: str, sender: str, agent: str | None, visitor: str, at: str) -> dict:
    return {
        "event_id": event_id, "chat_id": chat_id, "queue": "chat_support", "event_type": "message",
        "sender": sender, "agent_id": agent, "visitor_id": visitor, "occurred_at": ts(at),
    }  # fmt: skip


def sms(sms_id: str, direction: str, agent: str | None, at: str) -> dict:
    return {
        "sms_id": sms_id, "customer_phone": "+1 555 0199", "business_number": "+15550100",
        "direction": direction, "agent_id": agent, "sent_at": ts(at),
    }  # fmt: skip


def state(name: str, start: str, end: str) -> dict:
    return {"agent_id": "a4", "state": name, "started_at": ts(start), "ended_at": ts(end)}


RAW = {
    "email": [
        {"message_id": "m1", "mailbox": "support", "direction": "inbound",
         "customer_address": "ana@example.com", "sent_at": ts("09:00:00")},
        {"message_id": "m2", "in_reply_to": "m1", "references": ["m1"], "mailbox": "support",
         "direction": "outbound", "customer_address": "ana@example.com", "agent_id": "a1",
         "sent_at": ts("09:07:00")},
        {"message_id": "m3", "in_reply_to": "m2", "references": ["m1", "m2"], "mailbox": "support",
         "direction": "inbound", "customer_address": "ana@example.com", "sent_at": ts("10:07:00")},
    ],
    "chat": [
        chat("e1", "ch1", "customer", None, "v1", "09:10:00"),
        chat("e2", "ch1", "agent", "a2", "v1", "09:11:00"),
        chat("e3", "ch2", "customer", None, "v2", "10:00:00"),
        chat("e4", "ch2", "agent", "a3", "v2", "10:00:30"),
        chat("e5", "ch3", "customer", None, "v3", "10:05:00"),
    ],
    "sms": [
        sms("s1", "inbound", None, "09:20:00"),
        sms("s2", "inbound", None, "09:40:00"),
        sms("s3", "outbound", "a1", "10:05:00"),
        sms("s4", "inbound", None, "10:20:00"),
    ],
    "voice": [
        {"call_id": "c1", "customer_phone": "+1 555 0101", "queue": "voice_support",
         "offered_at": ts("11:00:00"), "answered_at": ts("11:00:15"), "ended_at": ts("11:05:00"),
         "agent_id": "a4", "wrap_seconds": "60"},
        {"call_id": "c2", "customer_phone": "+1 555 0102", "queue": "voice_support",
         "offered_at": ts("11:30:00"), "ended_at": ts("11:30:40")},
        {"call_id": "c3", "customer_phone": "+1 555 0103", "queue": "voice_support",
         "offered_at": ts("11:31:00"), "answered_at": ts("11:31:30"), "ended_at": ts("11:35:00"),
         "agent_id": "a4"},
    ],
    "agent_activity": [
        seg("w1", "a1", "email", "m1", "read", "09:00:00", "09:02:00"),
        seg("w2", "a1", "email", "m2", "compose", "09:02:00", "09:07:00"),
        seg("w3", "a1", "email", "m3", "read", "10:07:00", "10:10:00"),
        seg("w4", "a2", "chat", "ch1", "compose", "09:10:00", "09:20:00"),
        seg("w5", "a3", "chat", "ch2", "compose", "10:00:00", "10:10:00"),
        seg("w6", "a3", "chat", "ch3", "read", "10:05:00", "10:15:00"),
        seg("w7", "a1", "email", "no-such-message", "read", "14:00:00", "14:05:00"),
    ],
    "agent_states": [
        state("available", "08:00:00", "10:00:00"),
        state("break", "10:00:00", "10:15:00"),
        state("available", "10:15:00", "12:00:00"),
        state("lunch", "12:00:00", "12:30:00"),
        state("meeting", "12:30:00", "13:00:00"),
        state("training", "13:00:00", "13:30:00"),
        state("available", "13:30:00", "16:00:00"),
        state("offline", "16:00:00", "17:00:00"),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("kpi")
    path = work / "warehouse.duckdb"
    write_raw(path, RAW)
    run_dbt_build(path, work)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{D} {hhmm}:00")


def kpi(con: duckdb.DuckDBPyConnection, queue: str, hhmm: str, columns: str) -> tuple:
    found = rows(
        con,
        f"select {columns} from marts.agg_interval_kpis where queue_id = ? and interval_start_utc = ?",
        [queue, at(hhmm)],
    )
    assert len(found) == 1, found
    return found[0]


def test_spine_is_dense_over_the_day(warehouse: duckdb.DuckDBPyConnection) -> None:
    # 96 intervals of 15 minutes per UTC day, for every queue of the seed (9) and none seen only in data.
    assert rows(warehouse, "select count(*) from intermediate.int_kpi_intervals_spined") == [(96,)]
    assert rows(
        warehouse,
        "select count(*), count(distinct queue_id), min(interval_start), max(interval_start) "
        "from marts.agg_interval_kpis",
    ) == [(96 * 9, 9, at("00:00"), at("23:45"))]


def test_segment_crossing_a_boundary_is_split_exactly(warehouse: duckdb.DuckDBPyConnection) -> None:
    # a2 works ch1 09:10-09:20: 300 s in the 09:00 interval and 300 s in the 09:15 interval.
    assert kpi(warehouse, "chat_support", "09:00", "handle_seconds_worked") == (300.0,)
    assert kpi(warehouse, "chat_support", "09:15", "handle_seconds_worked") == (300.0,)
    split = rows(
        warehouse,
        "select interval_start_utc, split_seconds, handle_seconds from "
        "intermediate.int_kpi_work_split_by_interval "
        "where segment_id = 'w4' order by 1",
    )
    assert split == [(at("09:00"), 300.0, 300.0), (at("09:15"), 300.0, 300.0)]


def test_reference_email_work_lands_where_it_was_performed(warehouse: duckdb.DuckDBPyConnection) -> None:
    # m1 read + m2 composed 09:00-09:07 (420 s) in 09:00; m3 read 10:07-10:10 (180 s) in 10:00.
    columns = "handle_seconds_worked, contacts_offered, aht_seconds"
    assert kpi(warehouse, "email_support", "09:00", columns) == (420.0, 1, 600.0)
    assert kpi(warehouse, "email_support", "10:00", columns) == (180.0, 0, None)
    assert kpi(warehouse, "email_support", "09:00", "messages_inbound, messages_outbound") == (1, 1)
    assert kpi(warehouse, "email_support", "10:00", "messages_inbound, messages_outbound") == (1, 0)


def test_apportioned_concurrency(warehouse: duckdb.DuckDBPyConnection) -> None:
    # a3: ch2 10:00-10:10 and ch3 10:05-10:15 -> busy 900 s, 1200 item seconds, handle 900 s (apportioned).
    columns = "handle_seconds_worked, item_seconds_worked, busy_seconds_worked"
    assert kpi(warehouse, "chat_support", "10:00", columns) == (900.0, 1200.0, 900.0)
    (avg,) = kpi(warehouse, "chat_support", "10:00", "avg_concurrency")
    assert avg == pytest.approx(1200 / 900)
    a3 = rows(
        warehouse,
        "select handle_seconds, busy_seconds, item_seconds, avg_concurrency from marts.agg_agent_interval "
        "where agent_id = 'a3'",
    )
    assert a3 == [(900.0, 900.0, 1200.0, pytest.approx(1200 / 900))]


def test_backlog_at_several_interval_ends(warehouse: duckdb.DuckDBPyConnection) -> None:
    # sms thread: s1 09:20 and s2 09:40 wait for s3 at 10:05; s4 10:20 is never answered nor handled.
    got = rows(
        warehouse,
        "select interval_end_utc, backlog_end, backlog_messages_end, oldest_backlog_age_seconds "
        "from marts.agg_interval_kpis where queue_id = 'sms_support' and interval_start_utc between ? and ? "
        "order by 1",
        [at("09:00"), at("10:45")],
    )
    assert got == [
        (at("09:15"), 0, 0, None),
        (at("09:30"), 1, 1, 600.0),
        (at("09:45"), 1, 2, 1500.0),
        (at("10:00"), 1, 2, 2400.0),
        (at("10:15"), 0, 0, None),  # s3 answered both at 10:05
        (at("10:30"), 1, 1, 600.0),
        (at("10:45"), 1, 1, 1500.0),
        (at("11:00"), 1, 1, 2400.0),
    ]
    # Still waiting at the end of the day: 13 h 40 min.
    assert kpi(warehouse, "sms_support", "23:45", "backlog_end, oldest_backlog_age_seconds") == (1, 49200.0)
    # The email closed without a reply (m3 read 10:07-10:10) never sits in the backlog at an interval end,
    # nor do chats (ch3 was worked until 10:15, i.e. not awaiting an agent at 10:15).
    assert rows(
        warehouse,
        "select sum(backlog_end) from marts.agg_interval_kpis where channel in ('email', 'chat', 'voice')",
    ) == [(0,)]
    reasons = dict(
        rows(warehouse, "select message_key, wait_end_reason from intermediate.int_kpi_backlog_waits")
    )
    assert reasons["sms:s4"] is None
    assert reasons["email:m3"] == "handled"
    assert reasons["sms:s1"] == "answered"


def test_voice_service_level_and_abandons(warehouse: duckdb.DuckDBPyConnection) -> None:
    # c1 answered in 15 s (target 20): within; 345 s handle (talk 285 + wrap 60).
    assert kpi(
        warehouse, "voice_support", "11:00",
        "contacts_offered, abandoned, contacts_answered_within_target, contacts_sl_measured, service_level, "
        "service_level_basis, handle_seconds_worked, aht_seconds",
    ) == (1, 0, 1, 1, 1.0, "contact", 345.0, 345.0)  # fmt: skip
    # c2 abandoned, c3 answered in 30 s: 0 of 2 within target; AHT = 210 / 2.
    assert kpi(
        warehouse, "voice_support", "11:30",
        "contacts_offered, abandoned, contacts_answered_within_target, contacts_sl_measured, service_level, "
        "handle_seconds_worked, aht_seconds",
    ) == (2, 1, 0, 2, 0.0, 210.0, 105.0)  # fmt: skip


def test_message_service_level_of_deferred_channel(warehouse: duckdb.DuckDBPyConnection) -> None:
    # sms target 3600 s: s1 (45 min) and s2 (25 min) within; s4 unanswered, its window closed before the data
    # ended (11:35), so missed.
    assert kpi(
        warehouse, "sms_support", "09:15", "messages_answered_within_target, messages_sl_measured"
    ) == (1, 1)
    assert kpi(
        warehouse, "sms_support", "09:30", "messages_answered_within_target, messages_sl_measured"
    ) == (1, 1)
    assert kpi(
        warehouse, "sms_support", "10:15",
        "messages_answered_within_target, messages_sl_measured, service_level_basis, service_level",
    ) == (0, 1, "message", 0.0)  # fmt: skip
    # chat is real-time: ch1 answered in 60 s (target 60, within), ch2 in 30 s, ch3 never (handled, missed).
    assert kpi(
        warehouse, "chat_support", "09:00", "contacts_answered_within_target, contacts_sl_measured"
    ) == (1, 1)
    assert kpi(
        warehouse, "chat_support", "10:00", "contacts_answered_within_target, contacts_sl_measured"
    ) == (1, 2)


def test_agent_occupancy_and_shrinkage_over_a_day(warehouse: duckdb.DuckDBPyConnection) -> None:
    day = rows(
        warehouse,
        "select sum(busy_seconds), sum(available_seconds), sum(idle_available_seconds), "
        "sum(shrinkage_seconds), "
        "sum(break_seconds), sum(lunch_seconds), sum(meeting_seconds), sum(training_seconds), "
        "sum(offline_seconds), sum(logged_in_seconds), sum(handle_seconds) "
        "from marts.agg_agent_interval where agent_id = 'a4'",
    )[0]
    assert day == (555.0, 22500.0, 21945.0, 6300.0, 900.0, 1800.0, 1800.0, 1800.0, 3600.0, 28800.0, 555.0)
    busy, available, idle, shrinkage = day[0], day[1], day[2], day[3]
    # occupancy = busy / (busy + idle available); shrinkage rate = shrinkage / logged-in time.
    assert busy / (busy + idle) == pytest.approx(555 / 22500)
    assert shrinkage / day[9] == pytest.approx(0.21875)
    assert available == busy + idle
    one = rows(
        warehouse,
        "select busy_seconds, available_seconds, idle_available_seconds, occupancy from "
        "marts.agg_agent_interval "
        "where agent_id = 'a4' and interval_start_utc = ?",
        [at("11:00")],
    )
    assert one == [(345.0, 900.0, 555.0, pytest.approx(345 / 900))]
    lunch = rows(
        warehouse,
        "select shrinkage_seconds, shrinkage_rate, occupancy from marts.agg_agent_interval "
        "where agent_id = 'a4' and interval_start_utc = ?",
        [at("12:15")],
    )
    assert lunch == [(900.0, 1.0, None)]


def test_unattributed_work_counts_for_the_agent_only(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        warehouse,
        "select handle_seconds, unattributed_handle_seconds from marts.agg_agent_interval "
        "where agent_id = 'a1' and interval_start_utc = ?",
        [at("14:00")],
    ) == [(300.0, 300.0)]
    assert rows(
        warehouse,
        "select sum(handle_seconds_worked) from marts.agg_interval_kpis where interval_start_utc = ?",
        [at("14:00")],
    ) == [(0.0,)]


def test_conservation(warehouse: duckdb.DuckDBPyConnection) -> None:
    # Σ handle_seconds_worked (all intervals) = Σ fct_contacts.active_handle_seconds
    #   = Σ agent handle_seconds − Σ unattributed_handle_seconds.
    (worked,) = rows(warehouse, "select sum(handle_seconds_worked) from marts.agg_interval_kpis")[0]
    (contacts,) = rows(warehouse, "select sum(active_handle_seconds) from marts.fct_contacts")[0]
    (agents,) = rows(
        warehouse,
        "select sum(handle_seconds) - sum(unattributed_handle_seconds) from marts.agg_agent_interval",
    )[0]
    assert worked == pytest.approx(2655.0)  # email 600 + chat 600 + 900 + voice 345 + 210
    assert contacts == pytest.approx(worked)
    assert agents == pytest.approx(worked)


def test_policy_comparison_reference_case(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = {
        approach: (contacts, handle, aht)
        for approach, contacts, handle, aht in rows(
            warehouse,
            "select approach, contacts, handle_seconds, aht_seconds from marts.agg_policy_comparison "
            "where channel = 'email' and contact_date = ?",
            [date(2026, 1, 5)],
        )
    }
    assert got == {
        "thread/active": (1, 600.0, 600.0),
        "thread/elapsed": (1, 4200.0, 4200.0),
        "message/active": (3, 600.0, 200.0),
        "session/active": (2, 600.0, 300.0),  # m1+m2 (09:00-09:07), m3 60 min later (session gap 30 min)
        "journey/active": (1, 600.0, 600.0),
    }
    configured = rows(
        warehouse,
        "select approach from marts.agg_policy_comparison where channel = 'email' and is_configured_approach",
    )
    assert configured == [("thread/active",)]


def test_policy_comparison_active_totals_agree(warehouse: duckdb.DuckDBPyConnection) -> None:
    totals = dict(
        rows(
            warehouse,
            "select approach, sum(handle_seconds) from marts.agg_policy_comparison "
            "where handle_time_basis = 'active' group by approach",
        )
    )
    assert set(totals) == {"message/active", "session/active", "thread/active", "journey/active"}
    assert all(value == pytest.approx(2655.0) for value in totals.values()), totals
    chat = dict(
        rows(
            warehouse,
            "select approach, contacts from marts.agg_policy_comparison where channel = 'chat'",
        )
    )
    assert chat == {"message/active": 5, "session/active": 3, "thread/active": 3, "thread/elapsed": 3,
                    "journey/active": 3}  # fmt: skip
