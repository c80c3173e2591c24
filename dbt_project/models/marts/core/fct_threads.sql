{#
    One row per thread: one conversation on one channel (SPEC §3), with its sessions' engaged time.
    Built from fct_sessions (a thread is the union of its sessions: every message and attributed work piece
    of a thread has a session of that thread): span = min start / max end of its sessions, counts, handle and
    customer wait = sums over its sessions, n_sessions = its sessions, engaged = the sum of their spans.
    channel/queue/journey/customer/policy are those of the thread's first message (by occurred_at,
    message_key), i.e. of the session that holds it (fct_sessions takes them from its own first message).
    What sessions cannot give is read from the messages: n_agents (distinct agents over the whole thread) and
    first_response_seconds (of the thread's first response by occurred_at, message_key).
#}
{{ asyncwfm.refresh_by_scope('journey_id', 'int_refresh_facts') }}
{#- incremental (issue 9): the facts of the journeys in int_refresh_facts are deleted and rebuilt from the rows of
    those journeys only #}
{%- set scope = ref('int_refresh_facts') %}
{%- set messages = asyncwfm.refresh_filtered(ref('int_contacts_assigned'), 'journey_id', scope, 'journey_id') %}
with

sessions as (
    select * from {{ asyncwfm.refresh_filtered(ref('fct_sessions'), 'journey_id', scope, 'journey_id') }} as sessions_in_scope
),

journeys as (
    select * from {{ asyncwfm.refresh_filtered(ref('int_journeys_linked'), 'journey_id', scope, 'journey_id') }} as journeys_in_scope
),

thread_totals as (
    select
        thread_id,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        cast(sum(n_messages) as {{ dbt.type_bigint() }}) as n_messages,
        cast(sum(n_inbound_messages) as {{ dbt.type_bigint() }}) as n_inbound_messages,
        cast(sum(n_outbound_messages) as {{ dbt.type_bigint() }}) as n_outbound_messages,
        count(*) as n_sessions,
        sum(handle_seconds) as handle_seconds,
        sum(span_seconds) as engaged_seconds,
        sum(customer_wait_seconds) as customer_wait_seconds
    from sessions
    group by thread_id
),

-- the session of the thread's first message (by occurred_at, message_key)
first_sessions as (
    {{ asyncwfm.first_in_order(messages, 'thread_id', ['occurred_at', 'message_key'], ['session_id']) }}
),

agent_ids as (
    select thread_id, agent_id from {{ messages }} where sender_role = 'agent' and agent_id is not null
    union
    select thread_id, agent_id from {{ asyncwfm.refresh_filtered(ref('int_work_apportioned'), 'journey_id', scope, 'journey_id') }} as work_in_scope where thread_id is not null
),

agents as (
    select thread_id, count(distinct agent_id) as n_agents
    from agent_ids
    group by thread_id
),

first_responses as (
    {{ asyncwfm.first_in_order(asyncwfm.refresh_filtered(ref('int_responses_measured'), 'thread_id', scope, 'thread_id'), 'thread_id', ['occurred_at', 'message_key'], ['response_seconds']) }}
),

final as (
    select
        first_sessions.thread_id,
        sessions.channel,
        sessions.queue_id,
        thread_totals.started_at,
        thread_totals.ended_at,
        thread_totals.n_messages,
        thread_totals.n_inbound_messages,
        thread_totals.n_outbound_messages,
        thread_totals.n_sessions,
        coalesce(agents.n_agents, 0) as n_agents,
        thread_totals.handle_seconds,
        {{ asyncwfm.seconds_between('thread_totals.started_at', 'thread_totals.ended_at') }} as span_seconds,
        thread_totals.engaged_seconds,
        first_responses.response_seconds as first_response_seconds,
        thread_totals.customer_wait_seconds,
        sessions.journey_id,
        journeys.is_switched_to,
        journeys.link_type as journey_link_type,
        sessions.customer_key,
        sessions.policy_version
    from first_sessions
    inner join sessions
        on sessions.session_id = first_sessions.session_id
    inner join thread_totals
        on thread_totals.thread_id = first_sessions.thread_id
    inner join journeys
        on journeys.thread_id = first_sessions.thread_id
    left join agents
        on agents.thread_id = first_sessions.thread_id
    left join first_responses
        on first_responses.thread_id = first_sessions.thread_id
)

select * from final
