-- The floor: one hand-written DuckDB script from the landing files straight to, per channel, the number of
-- threads, sessions, contacts (before journey merging) and total active handle seconds, under the DEFAULT
-- policy (dbt_project/seeds/channel_policies.csv, hard-coded below). Same counting rules as the pipeline
-- (dbt_project/DECISIONLOG.md § Sessionization); what it leaves out is listed in bench/baselines/__init__.py.
-- `{landing}` is replaced by the landing root. No raw/staging tables, no tests, no PII hashing, no marts.
set TimeZone = 'UTC';
set enable_progress_bar = false;

create temp table email as
select message_id, in_reply_to, "references" as refs, ticket_id,
    cast(cast(sent_at as timestamptz) as timestamp) as ts
from read_json('{landing}/email/*/*.jsonl', format = 'newline_delimited', filename = true, columns = {
    message_id: 'varchar', in_reply_to: 'varchar', "references": 'varchar[]', ticket_id: 'varchar',
    sent_at: 'varchar'})
qualify row_number() over (partition by message_id order by filename) = 1;

create temp table chat as
select event_id, chat_id, event_type, cast(cast(occurred_at as timestamptz) as timestamp) as ts
from read_json('{landing}/chat/*/*.jsonl', format = 'newline_delimited', filename = true, columns = {
    event_id: 'varchar', chat_id: 'varchar', event_type: 'varchar', occurred_at: 'varchar'})
qualify row_number() over (partition by event_id order by filename) = 1;

create temp table sms as
select sms_id, regexp_replace(customer_phone, '[^0-9]', '', 'g') || '|' || business_number as gap_key,
    cast(cast(sent_at as timestamptz) as timestamp) as ts
from read_csv('{landing}/sms/*/*.csv', header = true, all_varchar = true, filename = true)
qualify row_number() over (partition by sms_id order by filename) = 1;

create temp table social as
select post_id, platform, conversation_id, reply_to_post_id,
    platform || '|' || ltrim(lower(trim(customer_handle)), '@') as gap_key,
    cast(cast(created_at as timestamptz) as timestamp) as ts
from read_json('{landing}/social/*/*.jsonl', format = 'newline_delimited', filename = true, columns = {
    post_id: 'varchar', platform: 'varchar', conversation_id: 'varchar', reply_to_post_id: 'varchar',
    customer_handle: 'varchar', created_at: 'varchar'})
qualify row_number() over (partition by post_id order by filename) = 1;

create temp table voice as
select call_id, agent_id, transferred_from_call_id,
    cast(cast(offered_at as timestamptz) as timestamp) as ts,
    cast(cast(answered_at as timestamptz) as timestamp) as answered_at,
    cast(cast(ended_at as timestamptz) as timestamp) as ended_at,
    coalesce(cast(nullif(trim(wrap_seconds), '') as double), 0) as wrap_seconds
from read_csv('{landing}/voice/*/*.csv', header = true, all_varchar = true, filename = true)
qualify row_number() over (partition by call_id order by filename) = 1;

create temp table segments as
select segment_id, agent_id, channel, item_id,
    cast(cast(started_at as timestamptz) as timestamp) as started_at,
    cast(cast(ended_at as timestamptz) as timestamp) as ended_at
from read_json('{landing}/agent_activity/*/*.jsonl', format = 'newline_delimited', filename = true, columns = {
    segment_id: 'varchar', agent_id: 'varchar', channel: 'varchar', item_id: 'varchar', started_at: 'varchar',
    ended_at: 'varchar'})
qualify row_number() over (partition by segment_id order by filename) = 1;

-- Reply graphs: unticketed emails → in_reply_to and references; social posts → conversation and reply_to
-- (unless both have a conversation); voice legs → transferred_from. Connected components by keyed recursion.
create temp table edges as
select 'e:' || message_id as a, 'e:' || in_reply_to as b from email where ticket_id is null and in_reply_to is not null
union all
select 'e:' || message_id, 'e:' || trim(r) from (select message_id, unnest(refs) as r from email where ticket_id is null)
where nullif(trim(r), '') is not null
union all
select 's:' || post_id, 'c:' || platform || ':' || conversation_id from social where conversation_id is not null
union all
select 's:' || p.post_id, 's:' || p.reply_to_post_id
from social as p left join social as parent on parent.post_id = p.reply_to_post_id
where p.reply_to_post_id is not null and not (p.conversation_id is not null and parent.conversation_id is not null)
union all
select 'v:' || call_id, 'v:' || transferred_from_call_id from voice where transferred_from_call_id is not null;

create temp table components as
with recursive
both_ways as (select a, b from edges union all select b, a from edges),
seed as (select a as node, min(least(a, b)) as comp from both_ways group by a),
cc(node, comp) using key (node) as (
    select node, comp from seed
    union
    select c.node, min(c.comp)
    from (
        select both_ways.b as node, cc.comp from cc join both_ways on both_ways.a = cc.node
        union all
        select cc.node, lbl.comp from cc join recurring.cc as lbl on lbl.node = cc.comp
    ) as c
    join recurring.cc as known on known.node = c.node
    group by c.node
    having min(c.comp) < min(known.comp)
)
select node, comp from cc;

-- One row per message with its thread; `ended` is the call end for voice legs, else the message time.
create temp table messages as
with email_comp as (
    select email.*, components.comp from email left join components on components.node = 'e:' || email.message_id
),
comp_ticket as (
    select comp, arg_min(ticket_id, struct_pack(t := ts, m := message_id)) as ticket_id
    from email_comp where ticket_id is not null and comp is not null group by comp
),
social_comp as (
    select social.*, components.comp from social left join components on components.node = 's:' || social.post_id
),
gapped as (  -- sms, and social posts outside every graph: (customer, number/platform) cut after 1440 min
    select channel, id, ts, gap_key,
        sum(is_new) over (partition by gap_key order by ts, id rows unbounded preceding) as n
    from (
        select *, case when lag(ts) over w is null or epoch(ts) - epoch(lag(ts) over w) > 1440 * 60
            then 1 else 0 end as is_new
        from (
            select 'sms' as channel, sms_id as id, ts, 'sms|' || gap_key as gap_key from sms
            union all
            select 'social', post_id, ts, 'social|' || gap_key from social_comp where comp is null
        )
        window w as (partition by gap_key order by ts, id)
    )
)
select 'email' as channel, message_id as id, ts, ts as ended,
    coalesce('t:' || email_comp.ticket_id, 't:' || comp_ticket.ticket_id, email_comp.comp, message_id) as thread
from email_comp left join comp_ticket using (comp)
union all
select 'chat', event_id, ts, ts, chat_id from chat where event_type = 'message'
union all
select channel, id, ts, ts, gap_key || '#' || n from gapped
union all
select 'social', post_id, ts, ts, comp from social_comp where comp is not null
union all
select 'voice', call_id, ts, ended_at, coalesce(components.comp, call_id)
from voice left join components on components.node = 'v:' || voice.call_id;

-- Sessions: a gap longer than session_gap_minutes from the latest end so far; chat's non-message events
-- bridge gaps but a session needs a message.
create temp table sessions as
with timeline as (
    select channel, thread, id, ts, ended, true as is_message from messages
    union all
    select 'chat', chat_id, event_id, ts, ts, false from chat where event_type <> 'message'
),
flagged as (
    select *, case
        when prev_end is null then 1
        when epoch(ts) - epoch(prev_end) > 60 * case channel
            when 'email' then 30 when 'chat' then 10 when 'sms' then 30 when 'social' then 30 else 1 end then 1
        else 0 end as is_new
    from (
        select *, max(ended) over (partition by thread order by ts, id rows between unbounded preceding and 1 preceding) as prev_end
        from timeline
    )
),
numbered as (
    select *, sum(is_new) over (partition by thread order by ts, id rows unbounded preceding) as seq from flagged
)
select channel, count(distinct (thread, seq)) as sessions from numbered where is_message group by channel;

-- Work: agent_activity segments (valid; voice ones only for calls the CDR does not cover) + CDR talk and wrap.
-- Full duration everywhere except chat (apportioned: each piece of an agent's timeline split equally among
-- the agent's open segments of every channel).
create temp table work as
with cdr_calls as (select call_id from voice where answered_at is not null and agent_id is not null),
counted as (
    select agent_id, channel, item_id, started_at, ended_at from segments
    where ended_at > started_at
        and not (channel = 'voice' and item_id in (select call_id from cdr_calls))
    union all
    select agent_id, 'voice', call_id, answered_at, ended_at from voice
    where answered_at is not null and agent_id is not null and ended_at > answered_at
    union all
    select agent_id, 'voice', call_id, ended_at, ended_at + to_microseconds(cast(wrap_seconds * 1e6 as bigint)) from voice
    where answered_at is not null and agent_id is not null and wrap_seconds > 0
),
items as (
    select distinct channel, case channel when 'chat' then thread else id end as item_id from messages
)
select counted.*, items.item_id is not null as is_attributed
from counted left join items on items.channel = counted.channel and items.item_id = counted.item_id;

create temp table chat_apportioned as
with deltas as (
    select agent_id, t, sum(d) as d, sum(dc) as dc from (
        select agent_id, started_at as t, 1 as d, case when channel = 'chat' and is_attributed then 1 else 0 end as dc from work
        union all
        select agent_id, ended_at, -1, case when channel = 'chat' and is_attributed then -1 else 0 end from work
    ) group by agent_id, t
),
running as (
    select agent_id, t,
        sum(d) over w as n_open, sum(dc) over w as n_chat,
        lead(t) over (partition by agent_id order by t) as t_next
    from deltas
    window w as (partition by agent_id order by t rows unbounded preceding)
)
select sum((epoch(t_next) - epoch(t)) * n_chat / n_open) as handle_seconds
from running where n_chat > 0;

select
    channel,
    count(distinct thread) as threads,
    any_value(sessions.sessions) as sessions,
    case channel when 'email' then count(distinct thread) when 'voice' then count(*)
        else any_value(sessions.sessions) end as contacts,
    coalesce(any_value(h.handle_seconds), 0) as handle_seconds
from messages
join sessions using (channel)
left join (
    select channel, sum(epoch(ended_at) - epoch(started_at)) as handle_seconds
    from work where is_attributed and channel <> 'chat' group by channel
    union all
    select 'chat', handle_seconds from chat_apportioned
) as h using (channel)
group by channel
order by channel;
