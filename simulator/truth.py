"""Ground truth, written beside the landing zone (default ``<out>.truth/``), never inside it.

While simulating, every landed message/event/call leg and every work segment is also recorded with the ids
the generator knows (thread, journey, true customer). Each day is appended as a CSV part; at the end one
DuckDB pass derives sessions (the default policy's ``session_gap_minutes`` per channel) and the per-contact
handle times under each counting approach of SPEC §10.1, then removes the parts. Tables (Parquet, timestamps
UTC ``TIMESTAMP``):

- ``events``: channel, source_id (message_id / chat event_id / sms_id / post_id / call_id), thread_id,
  session_id, journey_id, customer_id (true, even when unknown to the directory), queue_id, started_at,
  ended_at (= started_at except call legs: offered..ended), is_message (counts under contact_unit=message:
  emails, SMS, posts, call legs, chat messages from customer or agent), role.
- ``segments``: segment_id, agent_id, channel, item_id, thread_id, message_id (the message/call it is
  attributed to; null for chat, attributed to the chat), session_id, activity, started_at, ended_at, seconds,
  apportioned_seconds (overlaps of one agent's segments split equally).
- ``threads``: thread_id, channel, queue_id, customer_id, journey_id, started_at, ended_at (messages, call
  ends and work segments), n_events, n_messages, n_sessions, handle_seconds (default concurrency mode of the
  channel), handle_seconds_full, handle_seconds_apportioned, elapsed_seconds.
- ``sessions``: session_id, thread_id, channel, queue_id, started_at, ended_at (events only), n_events,
  n_messages, handle_seconds(_full/_apportioned).
- ``contacts``: approach (``message/active``, ``session/active``, ``thread/active``, ``thread/elapsed``),
  channel, contact_id (source_id / session_id / thread_id), thread_id, journey_id, queue_id, started_at,
  ended_at, n_messages, handle_seconds, handle_seconds_full, handle_seconds_apportioned. Under
  ``message/active`` a chat's work (attributed to the chat, not a message) is split equally over its counted
  messages; ``thread/elapsed`` handle = elapsed_seconds.
- ``journeys``: journey_id, channels, n_threads, started_at, ended_at, handle_seconds_full.
- ``policy_comparison``: day, channel, approach, contacts, handle_seconds, aht_seconds (contacts by the UTC
  day they started).

Thread ids: ``email:<ticket_id or root message_id>``, ``chat:<chat_id>``, ``sms:<first sms_id>`` (SPEC §3
rule: same customer phone and business number, cut after ``thread_gap_minutes`` of silence),
``social:<conversation_id or root post_id>``, ``voice:<first call_id>`` (with its transferred legs). A journey
id is the thread id of the journey's first thread. Session ids are ``<thread_id>#<n>``.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import numpy as np

from orchestration.sqltext import literal
from simulator.records import EVENT_COLUMNS, SEGMENT_COLUMNS

TABLES = ("events", "segments", "threads", "sessions", "contacts", "journeys", "policy_comparison")


def apportioned_seconds(agent: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For each segment, its duration with every overlap among the same agent's segments split equally."""
    if agent.size == 0:
        return np.zeros(0)
    lane = agent.astype(np.int64) * (np.int64(1) << 40)  # one time line per agent, far apart
    s, e = lane + start, lane + end
    points = np.unique(np.concatenate([s, e]))
    delta = np.zeros(points.size, dtype=np.int64)
    np.add.at(delta, np.searchsorted(points, s), 1)
    np.add.at(delta, np.searchsorted(points, e), -1)
    count = np.cumsum(delta)[:-1]
    length = np.diff(points).astype(np.float64)
    weight = np.divide(length, count, out=np.zeros_like(length), where=count > 0)
    cum = np.concatenate([[0.0], np.cumsum(weight)])
    return cum[np.searchsorted(points, e)] - cum[np.searchsorted(points, s)]


class TruthParts:
    def __init__(self, truth_dir: Path) -> None:
        self.dir = Path(truth_dir)
        self.parts = self.dir / "_parts"
        self.parts.mkdir(parents=True, exist_ok=True)

    def add_day(self, day: int, events: list[tuple], segments: list[tuple]) -> None:
        """Append one day as CSV parts (plain Python and numpy: runs in the writer process)."""
        if events:
            _write_csv(self.parts / f"events-{day:05d}.csv", EVENT_COLUMNS, events)
        if segments:
            agent = np.unique(np.array([s[1] for s in segments]), return_inverse=True)[1]
            start = np.fromiter((s[7] for s in segments), dtype=np.int64, count=len(segments))
            end = np.fromiter((s[8] for s in segments), dtype=np.int64, count=len(segments))
            shares = apportioned_seconds(agent, start, end).tolist()
            rows = [(*seg, share) for seg, share in zip(segments, shares, strict=True)]
            _write_csv(
                self.parts / f"segments-{day:05d}.csv", (*SEGMENT_COLUMNS, "apportioned_seconds"), rows
            )

    def finalize(self, policies: dict[str, dict[str, str]]) -> None:
        con = duckdb.connect()
        spill = self.dir / "_spill"
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = false")
        con.execute("set memory_limit = '768MB'")
        con.execute(f"set temp_directory = {literal(spill)}")
        gaps = ", ".join(
            f"('{ch}', {float(p['session_gap_minutes']) * 60}, {float(p['thread_gap_minutes']) * 60}, "
            f"{p['concurrency_mode'] == 'apportioned'})"
            for ch, p in policies.items()
        )
        con.execute(
            f"create table policy as select * from (values {gaps}) t(channel, session_gap, thread_gap, "
            "apportion)"
        )
        for table, glob, types in (("ev0", "events", _EVENT_TYPES), ("seg0", "segments", _SEGMENT_TYPES)):
            columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
            if any(self.parts.glob(f"{glob}-*.csv")):
                pattern = literal(self.parts / f"{glob}-*.csv")
                source = f"read_csv({pattern}, header = true, columns = {columns})"
            else:  # e.g. one day, one agent who has the day off
                row = ", ".join(f"null::{t}" for t in types.values())
                source = f"(select * from (values ({row})) t({', '.join(types)}) limit 0)"
            con.execute(f"create table {table} as select * from {source}")
        con.execute(_SQL)
        for table in TABLES:
            con.execute(f"copy {table} to {literal(self.dir / (table + '.parquet'))} (format parquet)")
        con.close()
        shutil.rmtree(self.parts)
        shutil.rmtree(spill, ignore_errors=True)


_INT = ("started_at", "ended_at")
_EVENT_TYPES = {
    c: "BIGINT" if c in _INT else "BOOLEAN" if c == "is_message" else "VARCHAR" for c in EVENT_COLUMNS
}
_SEGMENT_TYPES = {c: "BIGINT" if c in _INT else "VARCHAR" for c in SEGMENT_COLUMNS} | {
    "apportioned_seconds": "DOUBLE"
}


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


_SQL = """
-- SMS threads by the SPEC §3 rule (same customer phone + business number, cut after thread_gap of silence)
create table sms_cut as
with s as (
    select ev0.*,
        lag(started_at) over (partition by customer_id, queue_id order by started_at, source_id) as prev
    from ev0 where channel = 'sms'
), flagged as (
    select s.*, case when prev is null or started_at - prev > p.thread_gap then 1 else 0 end as is_new
    from s join policy p using (channel)
), numbered as (
    select *, sum(is_new) over (partition by customer_id, queue_id order by started_at, source_id) as n
    from flagged
)
select source_id,
       'sms:' || first(source_id order by started_at, source_id) over w as thread_id,
       first(journey_id order by started_at, source_id) over w as journey_id
from numbered window w as (partition by customer_id, queue_id, n);

create table ev1 as
select e.* replace (
    coalesce(c.thread_id, e.thread_id) as thread_id,
    coalesce(c.journey_id, e.journey_id) as journey_id
)
from ev0 e left join sms_cut c using (source_id);

-- sessions: a new one when an event starts more than session_gap after everything before it ended
create table ev2 as
with o as (
    select ev1.*, max(ended_at) over (partition by thread_id order by started_at, source_id
                                      rows between unbounded preceding and 1 preceding) as prev_end
    from ev1
), f as (
    select o.*,
        case when prev_end is null or started_at - prev_end > p.session_gap then 1 else 0 end as is_new
    from o join policy p using (channel)
)
select f.* exclude (prev_end, is_new),
       thread_id || '#'
           || sum(is_new) over (partition by thread_id order by started_at, source_id) as session_id
from f;

create table sessions0 as
select session_id, any_value(thread_id) as thread_id, any_value(channel) as channel,
       arg_min(queue_id, started_at) as queue_id, min(started_at) as s, max(ended_at) as e,
       count(*) as n_events, count(*) filter (where is_message) as n_messages
from ev2 group by session_id;

create table seg1 as
with by_message as (
    select s.*, e.session_id, e.thread_id as ev_thread
    from seg0 s left join ev2 e on s.message_id = e.source_id
), chat as (
    select b.segment_id, x.session_id
    from (select * from by_message where message_id is null) b
    asof join sessions0 x on b.thread_id = x.thread_id and b.started_at >= x.s
)
select b.* exclude (session_id, ev_thread), coalesce(b.ev_thread, b.thread_id) as thread_id_true,
       coalesce(b.session_id, c.session_id) as session_id,
       (b.ended_at - b.started_at)::double as seconds
from by_message b left join chat c using (segment_id);

create table segments as
select segment_id, agent_id, channel, item_id, thread_id_true as thread_id, message_id, session_id, activity,
       to_timestamp(started_at)::timestamp as started_at, to_timestamp(ended_at)::timestamp as ended_at,
       seconds, apportioned_seconds
from seg1;

create table events as
select channel, source_id, thread_id, session_id, journey_id, customer_id, queue_id,
       to_timestamp(started_at)::timestamp as started_at, to_timestamp(ended_at)::timestamp as ended_at,
       is_message, role
from ev2;

create table th as
with e as (
    select thread_id, any_value(channel) as channel, arg_min(queue_id, started_at) as queue_id,
           arg_min(customer_id, started_at) as customer_id, arg_min(journey_id, started_at) as journey_id,
           min(started_at) as s, max(ended_at) as e, count(*) as n_events,
           count(*) filter (where is_message) as n_messages, count(distinct session_id) as n_sessions
    from ev2 group by thread_id
), w as (
    select thread_id_true as thread_id, min(started_at) as s, max(ended_at) as e, sum(seconds) as full_s,
           sum(apportioned_seconds) as app_s
    from seg1 group by 1
)
select e.thread_id, e.channel, e.queue_id, e.customer_id, e.journey_id,
       least(e.s, coalesce(w.s, e.s)) as s, greatest(e.e, coalesce(w.e, e.e)) as e,
       e.n_events, e.n_messages, e.n_sessions,
       coalesce(w.full_s, 0) as full_s, coalesce(w.app_s, 0) as app_s
from e left join w using (thread_id);

create table threads as
select thread_id, th.channel, queue_id, customer_id, journey_id,
       to_timestamp(s)::timestamp as started_at, to_timestamp(e)::timestamp as ended_at,
       n_events, n_messages, n_sessions,
       case when p.apportion then app_s else full_s end as handle_seconds,
       full_s as handle_seconds_full, app_s as handle_seconds_apportioned, (e - s)::double as elapsed_seconds
from th join policy p using (channel);

create table sessions as
with w as (select session_id, sum(seconds) as full_s, sum(apportioned_seconds) as app_s from seg1 group by 1)
select session_id, thread_id, x.channel, queue_id, to_timestamp(s)::timestamp as started_at,
       to_timestamp(e)::timestamp as ended_at, n_events, n_messages,
       case when p.apportion then coalesce(app_s, 0) else coalesce(full_s, 0) end as handle_seconds,
       coalesce(full_s, 0) as handle_seconds_full, coalesce(app_s, 0) as handle_seconds_apportioned
from sessions0 x join policy p using (channel) left join w using (session_id);

create table contacts as
with msg_work as (
    select message_id, sum(seconds) as full_s, sum(apportioned_seconds) as app_s
    from seg1 where message_id is not null group by 1
), msg as (
    select 'message/active' as approach, e.channel, e.source_id as contact_id, e.thread_id, e.journey_id,
           e.queue_id, e.started_at, e.ended_at, 1 as n_messages,
           case when e.channel = 'chat' then t.full_s / t.n_messages else coalesce(m.full_s, 0) end as full_s,
           case when e.channel = 'chat' then t.app_s / t.n_messages else coalesce(m.app_s, 0) end as app_s
    from ev2 e join th t using (thread_id) left join msg_work m on m.message_id = e.source_id
    where e.is_message
), ses as (
    select 'session/active', channel, session_id, thread_id, null, queue_id, started_at, ended_at, n_messages,
           handle_seconds_full, handle_seconds_apportioned
    from sessions
), thr as (
    select 'thread/active', channel, thread_id, thread_id, journey_id, queue_id, started_at, ended_at,
           n_messages, handle_seconds_full, handle_seconds_apportioned
    from threads
    union all
    select 'thread/elapsed', channel, thread_id, thread_id, journey_id, queue_id, started_at, ended_at,
           n_messages, elapsed_seconds, elapsed_seconds
    from threads
), allc as (
    select approach, channel, contact_id, thread_id, journey_id, queue_id,
           to_timestamp(started_at)::timestamp as started_at, to_timestamp(ended_at)::timestamp as ended_at,
           n_messages, full_s, app_s
    from msg
    union all select * from ses
    union all select * from thr
)
select a.approach, a.channel, a.contact_id, a.thread_id,
       coalesce(a.journey_id, t.journey_id) as journey_id, a.queue_id, a.started_at, a.ended_at, a.n_messages,
       case when p.apportion and a.approach <> 'thread/elapsed' then a.app_s else a.full_s end
           as handle_seconds,
       a.full_s as handle_seconds_full, a.app_s as handle_seconds_apportioned
from allc a join policy p using (channel) join th t using (thread_id);

create table journeys as
select journey_id, string_agg(distinct channel, ',' order by channel) as channels, count(*) as n_threads,
       min(started_at) as started_at, max(ended_at) as ended_at,
       sum(handle_seconds_full) as handle_seconds_full
from threads group by journey_id;

create table policy_comparison as
select started_at::date as day, channel, approach, count(*) as contacts,
       sum(handle_seconds) as handle_seconds,
       sum(handle_seconds) / count(*) as aht_seconds
from contacts group by all;
"""
