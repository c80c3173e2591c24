"""A clean synthetic warehouse (raw, ledger, staging, seeds) made in DuckDB SQL, for tests and the benchmark.

Not the simulator (simulator/): no realistic behaviour, only rows that satisfy every gate, fast at any
size (10 M rows in seconds). Staging here is a simplified SQL stand-in for the dbt models with the same
columns as docs/contracts.md (typed, deduplicated, personal fields hashed), so the suites can be exercised
and timed without a dbt build.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.defs.ingestion.schema import create_raw_tables
from orchestration.paths import DBT_PROJECT_DIR

# share of the rows per source
WEIGHTS = {
    "email": 0.15,
    "chat": 0.30,
    "sms": 0.05,
    "social": 0.05,
    "voice": 0.10,
    "agent_activity": 0.25,
    "agent_states": 0.05,
    "customers": 0.05,
}


def _iso(expr: str) -> str:
    return f"strftime({expr}, '%Y-%m-%dT%H:%M:%SZ')"


def build_synthetic(
    con: duckdb.DuckDBPyConnection, rows: int = 20_000, days: int = 21, start: str = "2026-01-05"
) -> dict[str, int]:
    """Fill raw.*, raw.file_ledger and staging.* with ``rows`` clean rows over ``days`` landing days."""
    con.execute("set timezone = 'UTC'")
    create_raw_tables(con)
    for table in (
        "email",
        "chat",
        "sms",
        "social",
        "voice",
        "agent_activity",
        "agent_states",
        "customers",
        "quarantine",
        "file_ledger",
    ):
        con.execute(f'delete from raw."{table}"')
    per_day = {s: max(4, int(rows * w) // days) for s, w in WEIGHTS.items()}
    agents = max(20, per_day["agent_activity"] // 150)
    start_ts = f"timestamp '{dt.date.fromisoformat(start).isoformat()} 00:00:00'"

    def base(source: str, ext: str, header: int) -> str:
        n = per_day[source]
        return f"""
            select i, i // {n} as d, i % {n} as k,
                   {start_ts} + to_days(cast(i // {n} as integer))
                       + to_microseconds(cast((i % {n}) * (86400000000 // {n}) as bigint)) as ts,
                   '{source}/dt=' || strftime({start_ts} + to_days(cast(i // {n} as integer)), '%Y-%m-%d')
                       || '/part-0.{ext}' as _file,
                   i % {n} + 1 + {header} as _line
            from range({n * days}) r(i)
        """

    lineage = "_file, _line, now()::timestamp as _ingested_at"
    n_email, n_chat, n_sms, n_social, n_voice = (
        per_day[s] * days for s in ("email", "chat", "sms", "social", "voice")
    )
    seg_seconds = f"least(600000000, 0.8 * {agents} * (86400000000 // {per_day['agent_activity']}))"
    agent = f"'a' || (i % {agents})"
    statements = {
        "email": f"""
            select 'm' || i, null, []::varchar[], null,
                case i % 2 when 0 then 'support' else 'billing' end,
                case i % 2 when 0 then 'inbound' else 'outbound' end,
                'c' || (i % 997) || '@example.com',
                case i % 2 when 1 then {agent} end, {_iso("ts")}, 'subject', 'body', {lineage}, null
            from ({base("email", "jsonl", 0)})""",
        "chat": f"""
            select 'ce' || i, 'c' || (i // 4),
                case (i // 4) % 2 when 0 then 'chat_support' else 'chat_sales' end, 'message',
                case i % 2 when 0 then 'customer' else 'agent' end, case i % 2 when 1 then {agent} end,
                'v' || ((i // 4) % 997), {_iso("ts")}, 'hi', {lineage}, null
            from ({base("chat", "jsonl", 0)})""",
        "sms": f"""
            select 's' || i, '+1555' || lpad(cast(i % 9973 as varchar), 7, '0'), '+15550100',
                case i % 2 when 0 then 'inbound' else 'outbound' end, case i % 2 when 1 then {agent} end,
                {_iso("ts")}, 'body', {lineage}, null
            from ({base("sms", "csv", 1)})""",
        "social": f"""
            select 'p' || i, case i % 2 when 0 then 'twitter' else 'facebook' end, 'conv' || (i // 3), null,
                '@h' || (i % 991), case i % 3 when 2 then 'outbound' else 'inbound' end,
                case i % 3 when 2 then {agent} end, {_iso("ts")}, 'text', {lineage}, null
            from ({base("social", "jsonl", 0)})""",
        "voice": f"""
            select 'v' || i, '+1555' || lpad(cast(i % 9973 as varchar), 7, '0'),
                case i % 2 when 0 then 'voice_support' else 'voice_sales' end, {_iso("ts")},
                case when i % 10 = 9 then null else {_iso("ts + interval 10 second")} end,
                {_iso("ts + interval 300 second")}, case when i % 10 <> 9 then {agent} end,
                '0', '30', null, null, {lineage}, null
            from ({base("voice", "csv", 1)})""",
        # segments point at existing items; one agent's consecutive segments never overlap
        "agent_activity": f"""
            select 'seg' || i, {agent}, ['email', 'chat', 'sms', 'social', 'voice'][i % 5 + 1],
                case i % 5 when 0 then 'm' || (i % {n_email}) when 1 then 'c' || ((i % {n_chat}) // 4)
                     when 2 then 's' || (i % {n_sms}) when 3 then 'p' || (i % {n_social})
                     else 'v' || (i % {n_voice}) end,
                ['read', 'compose', 'talk', 'wrap'][i % 4 + 1], {_iso("ts")},
                {_iso(f"ts + to_microseconds(cast({seg_seconds} as bigint))")}, {lineage}, null
            from ({base("agent_activity", "jsonl", 0)})""",
        "agent_states": f"""
            select {agent}, ['available', 'busy', 'break'][i % 3 + 1], {_iso("ts")},
                {_iso("ts + interval 60 second")}, {lineage}, null
            from ({base("agent_states", "csv", 1)})""",
        "customers": f"""
            select 'cu' || i, 'c' || (i % 997) || '@example.com', null, null, null, {lineage}, null
            from ({base("customers", "csv", 1)})""",
    }
    for source, select in statements.items():
        con.execute(f'insert into raw."{source}" {select}')
    write_ledger(con)
    build_staging(con)
    return {s: per_day[s] * days for s in per_day}


def write_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """raw.file_ledger from what is in raw and raw.quarantine (one row per file)."""
    con.execute("delete from raw.file_ledger")
    parts = " union all ".join(
        f"select '{s}' as source, _file, 1 as loaded, 0 as quarantined from raw.\"{s}\"" for s in WEIGHTS
    )
    con.execute(
        f"""
        insert into raw.file_ledger
        select source, _file, 0, md5(_file), count(*), sum(loaded), sum(quarantined), now()::timestamp
        from ({parts} union all select source, _file, 0, 1 from raw.quarantine where _line is not null)
        group by source, _file
        """
    )


def _ts(column: str) -> str:
    return f"timezone('UTC', try_cast({column} as timestamptz)) as {column}"


def _dedup(source: str, key: str, select: str) -> str:
    return f"""select {select}, _file as source_file from raw."{source}"
               qualify row_number() over (partition by {key} order by _ingested_at, _file, _line) = 1"""


def build_staging(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the staging tables and seeds from raw, like the dbt staging layer would."""
    con.execute("set timezone = 'UTC'")
    con.execute("create schema if not exists staging")
    seeds = DBT_PROJECT_DIR / "seeds"
    models = {
        "stg_email__messages": _dedup(
            "email",
            "message_id",
            f"""message_id, in_reply_to, ticket_id, mailbox, direction,
            md5(lower(trim(customer_address))) as customer_key, agent_id, {_ts("sent_at")}""",
        ),
        "stg_chat__events": _dedup(
            "chat",
            "event_id",
            f"""event_id, chat_id, queue, event_type, sender, agent_id,
            md5(trim(visitor_id)) as visitor_key, {_ts("occurred_at")}""",
        ),
        "stg_sms__messages": _dedup(
            "sms",
            "sms_id",
            f"""sms_id, md5(regexp_replace(customer_phone, '[^0-9]', '', 'g'))
            as customer_key, business_number, direction, agent_id, {_ts("sent_at")}""",
        ),
        "stg_social__posts": _dedup(
            "social",
            "post_id",
            f"""post_id, platform, conversation_id, reply_to_post_id,
            md5(lower(ltrim(customer_handle, '@'))) as customer_key, direction, agent_id,
                {_ts("created_at")}""",
        ),
        "stg_voice__calls": _dedup(
            "voice",
            "call_id",
            f"""call_id,
            md5(regexp_replace(customer_phone, '[^0-9]', '', 'g')) as customer_key, queue,
                {_ts("offered_at")},
            {_ts("answered_at")}, {_ts("ended_at")}, agent_id,
                coalesce(try_cast(hold_seconds as double), 0) as hold_seconds,
            coalesce(try_cast(wrap_seconds as double), 0) as wrap_seconds, transferred_from_call_id,
            split_part(origin_ref, ':', 1) as origin_channel, nullif(split_part(origin_ref, ':',
                2), '') as origin_item_id,
            answered_at is null as is_abandoned""",
        ),
        "stg_agent_activity__segments": _dedup(
            "agent_activity",
            "segment_id",
            f"""segment_id, agent_id, channel,
            item_id, activity, {_ts("started_at")}, {_ts("ended_at")}""",
        ),
        "stg_agent_states__spans": _dedup(
            "agent_states",
            "agent_id, started_at",
            f"""agent_id, state,
            {_ts("started_at")}, {_ts("ended_at")}""",
        ),
        "stg_customers__identities": _dedup(
            "customers",
            "customer_id",
            """customer_id, md5(email) as email_key,
            md5(phone) as phone_key, md5(social_handle) as handle_key, md5(chat_visitor_id) as visitor_key""",
        ),
        "stg_seeds__queues": f"""select queue_id, channel, source_key, name as queue_name
            from read_csv('{seeds / "queues.csv"}', all_varchar = true)""",
        "stg_seeds__channel_policies": f"""select *, 'synthetic' as policy_version
            from read_csv('{seeds / "channel_policies.csv"}')""",
    }
    for model, select in models.items():
        con.execute(f"create or replace table staging.{model} as {select}")
