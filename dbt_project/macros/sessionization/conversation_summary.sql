{#
    conversation_summary(key): the body of fct_sessions (key = 'session_id'; fct_threads used it with
    'thread_id' and is now built from fct_sessions, but the macro still supports it): one row per key with
    channel, queue (of its first message), start/end over messages and work pieces, message counts, agents,
    active handle seconds, span, first response and customer wait (SPEC §5). First message / first response:
    macro first_in_order (DuckDB: one hash aggregate, no sort of the 4.3 M messages).
#}
{% macro conversation_summary(key) -%}
{#- Relations, not import CTEs: DuckDB materializes a CTE read more than once; each read projects what it needs. #}
{#- incremental runs (issue 9) read only the journeys of int_refresh_facts #}
{%- set scope = ref('int_refresh_facts') %}
{%- set messages = asyncwfm.refresh_filtered(ref('int_contacts_assigned'), 'journey_id', scope, 'journey_id') %}
{%- set responses = asyncwfm.refresh_filtered(ref('int_responses_measured'), 'thread_id', scope, 'thread_id') %}
{%- set work -%}
    (select * from {{ asyncwfm.refresh_filtered(ref('int_work_apportioned'), 'journey_id', scope, 'journey_id') }} as work_in_scope where {{ key }} is not null)
{%- endset %}
with

events as (
    select {{ key }}, occurred_at as started_at, ended_at from {{ messages }}
    union all
    select {{ key }}, started_at, ended_at from {{ work }} as work
),

spans as (
    select {{ key }}, min(started_at) as started_at, max(ended_at) as ended_at
    from events
    group by {{ key }}
),

-- the first message by (occurred_at, message_key), with the columns used below
first_messages as (
    {{ asyncwfm.first_in_order(messages, key, ['occurred_at', 'message_key'], [
        'thread_id', 'channel', 'queue_id', 'journey_id', 'customer_key', 'policy_version'
    ] if key != 'thread_id' else ['channel', 'queue_id', 'journey_id', 'customer_key', 'policy_version']) }}
),

message_counts as (
    select
        {{ key }},
        count(*) as n_messages,
        cast(sum(case when direction = 'inbound' then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_inbound_messages,
        cast(sum(case when direction = 'outbound' then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_outbound_messages
        {%- if key == 'thread_id' %},
        count(distinct session_id) as n_sessions
        {%- endif %}
    from {{ messages }}
    group by {{ key }}
),

agent_ids as (
    select {{ key }}, agent_id from {{ messages }} where sender_role = 'agent' and agent_id is not null
    union
    select {{ key }}, agent_id from {{ work }} as work
),

agents as (
    select {{ key }}, count(distinct agent_id) as n_agents
    from agent_ids
    group by {{ key }}
),

handles as (
    select {{ key }}, sum(handle_seconds) as handle_seconds
    from {{ work }} as work
    group by {{ key }}
),

first_responses as (
    {{ asyncwfm.first_in_order(responses, key, ['occurred_at', 'message_key'], ['response_seconds']) }}
),

waits as (
    select {{ key }}, sum(response_seconds) as customer_wait_seconds
    from {{ responses }}
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
        first_responses.response_seconds as first_response_seconds,
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
