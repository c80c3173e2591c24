{#
    conversation_summary(key): the body of fct_threads (key = 'thread_id') and fct_sessions (key = 'session_id'):
    one row per key with channel, queue (of its first message), start/end over messages and work pieces,
    message counts, agents, active handle seconds, span, first response and customer wait (SPEC §5).
#}
{% macro conversation_summary(key) -%}
with

messages as (
    select * from {{ ref('int_contacts_assigned') }}
),

work as (
    select * from {{ ref('int_work_apportioned') }}
    where {{ key }} is not null
),

responses as (
    select * from {{ ref('int_responses_measured') }}
),

events as (
    select {{ key }}, occurred_at as started_at, ended_at from messages
    union all
    select {{ key }}, started_at, ended_at from work
),

spans as (
    select {{ key }}, min(started_at) as started_at, max(ended_at) as ended_at
    from events
    group by {{ key }}
),

first_messages as (
    select *
    from (
        select
            messages.*,
            row_number() over (partition by {{ key }} order by occurred_at, message_key) as message_rank
        from messages
    ) as ranked
    where message_rank = 1
),

message_counts as (
    select
        {{ key }},
        count(*) as n_messages,
        cast(sum(case when direction = 'inbound' then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_inbound_messages,
        cast(sum(case when direction = 'outbound' then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_outbound_messages,
        count(distinct session_id) as n_sessions
    from messages
    group by {{ key }}
),

agent_ids as (
    select {{ key }}, agent_id from messages where sender_role = 'agent' and agent_id is not null
    union
    select {{ key }}, agent_id from work
),

agents as (
    select {{ key }}, count(distinct agent_id) as n_agents
    from agent_ids
    group by {{ key }}
),

handles as (
    select {{ key }}, sum(handle_seconds) as handle_seconds
    from work
    group by {{ key }}
),

first_responses as (
    select {{ key }}, response_seconds as first_response_seconds
    from (
        select
            responses.*,
            row_number() over (partition by {{ key }} order by occurred_at, message_key) as response_rank
        from responses
    ) as ranked
    where response_rank = 1
),

waits as (
    select {{ key }}, sum(response_seconds) as customer_wait_seconds
    from responses
    group by {{ key }}
),

summary as (
    select
        first_messages.{{ key }},
        {% if key == 'session_id' %}first_messages.thread_id,{% endif %}
        first_messages.channel,
        first_messages.queue_id,
        spans.started_at,
        spans.ended_at,
        message_counts.n_messages,
        message_counts.n_inbound_messages,
        message_counts.n_outbound_messages,
        {% if key == 'thread_id' %}message_counts.n_sessions,{% endif %}
        coalesce(agents.n_agents, 0) as n_agents,
        coalesce(handles.handle_seconds, 0) as handle_seconds,
        {{ asyncwfm.seconds_between('spans.started_at', 'spans.ended_at') }} as span_seconds,
        first_responses.first_response_seconds,
        coalesce(waits.customer_wait_seconds, 0) as customer_wait_seconds,
        first_messages.journey_id,
        first_messages.customer_key,
        first_messages.policy_version
    from first_messages
    inner join spans
        on spans.{{ key }} = first_messages.{{ key }}
    inner join message_counts
        on message_counts.{{ key }} = first_messages.{{ key }}
    left join agents
        on agents.{{ key }} = first_messages.{{ key }}
    left join handles
        on handles.{{ key }} = first_messages.{{ key }}
    left join first_responses
        on first_responses.{{ key }} = first_messages.{{ key }}
    left join waits
        on waits.{{ key }} = first_messages.{{ key }}
)
{%- endmacro %}
