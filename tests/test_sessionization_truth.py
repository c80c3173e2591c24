"""Sessionization against the simulator's ground truth (simulator/truth.py).

A small synthetic landing zone (2 days) is generated, ingested and built once; then:
- at least 99.9 % of the messages are in their true thread and in their true session (ids differ in form, so
  a message counts as right when its thread and the true thread are each other's majority match);
- total active handle time is within 0.1 % of the truth, per channel, under the default concurrency modes;
- the total is the same under every contact unit (SPEC §5 invariant), from the work model.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from simulator.engine import generate
from tests.test_reference_case import SESSIONIZATION_MARTS, ingest_landing, run_dbt

MATCH_SQL = """
with m as (
    select
        a.channel,
        a.{mine} as mine,
        e.{truth} as truth
    from intermediate.int_contacts_assigned as a
    inner join read_parquet('{events}') as e
        on e.channel = a.channel and e.source_id = a.message_id
),
pairs as (select mine, truth, count(*) as n from m group by all),
mine_best as (select mine, arg_max(truth, n) as best from pairs group by mine),
truth_best as (select truth, arg_max(mine, n) as best from pairs group by truth)
select
    count(*) as n,
    avg(case when mine_best.best = m.truth and truth_best.best = m.mine then 1.0 else 0.0 end) as share
from m
inner join mine_best using (mine)
inner join truth_best using (truth)
"""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work_dir = tmp_path_factory.mktemp("sessionization_truth")
    landing = work_dir / "landing"
    summary = generate(landing, days=2, seed=11, agents=15)
    warehouse = work_dir / "warehouse.duckdb"
    ingest_landing(warehouse, landing)
    run_dbt(warehouse, work_dir, select=SESSIONIZATION_MARTS + " path:tests/sessionization")
    return warehouse, Path(summary.truth_dir)


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(("mine", "truth"), [("thread_id", "thread_id"), ("session_id", "session_id")])
def test_messages_in_their_true_thread_and_session(simulated, mine, truth):
    warehouse, truth_dir = simulated
    [(n, share)] = _query(
        warehouse, MATCH_SQL.format(mine=mine, truth=truth, events=truth_dir / "events.parquet")
    )
    assert n > 1000
    assert share >= 0.999


def test_active_handle_matches_truth(simulated):
    warehouse, truth_dir = simulated
    rows = _query(
        warehouse,
        f"""
        with mine as (select channel, sum(handle_seconds) as h from marts.fct_threads group by channel),
        truth as (
            select channel, sum(handle_seconds) as h
            from read_parquet('{truth_dir / "threads.parquet"}')
            group by channel
        )
        select truth.channel, truth.h, coalesce(mine.h, 0) from truth left join mine using (channel)
        """,
    )
    assert {channel for channel, _, _ in rows} == {"email", "chat", "sms", "social", "voice"}
    for channel, truth_h, mine_h in rows:
        assert mine_h == pytest.approx(truth_h, rel=0.001), channel


def test_total_handle_is_the_same_for_every_contact_unit(simulated):
    """SPEC §5: the session, thread and contact marts (each aggregating the work its own way) carry the same
    active total, and so does the simulator's truth under message, session and thread counting."""
    warehouse, truth_dir = simulated
    [(sessions, threads, contacts)] = _query(
        warehouse,
        """
        select
            (select sum(handle_seconds) from marts.fct_sessions),
            (select sum(handle_seconds) from marts.fct_threads),
            (select sum(active_handle_seconds) from marts.fct_contacts)
        """,
    )
    truth = dict(
        _query(
            warehouse,
            f"""
            select approach, sum(handle_seconds) from read_parquet('{truth_dir / "contacts.parquet"}')
            where approach like '%/active' group by approach
            """,
        )
    )
    assert set(truth) == {"message/active", "session/active", "thread/active"}
    for total in (sessions, threads, *truth.values()):
        assert total == pytest.approx(contacts, rel=0.001)
