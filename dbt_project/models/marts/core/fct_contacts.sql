{#
    One row per contact under the counting policy (SPEC §3–§6). Measures (SPEC §5):
    - handle_seconds: per part of the contact on one thread, the active work (int_work_apportioned) or, under
      `elapsed`, the part's span; summed over parts (a merged journey sums its channels, each by its own basis).
    - span_seconds: first event to last event (messages, call offer/end, work pieces).
    - engaged_seconds: the sum of the spans of the contact's sessions (each limited to the contact's events).
    - first_response_seconds: response time of the contact's first inbound customer message (voice: speed of
      answer); null when nobody answered. customer_wait_seconds: the sum of its inbound messages' response times.
    Computation: the events are aggregated once per (contact, session); thread parts, the contact span and
    engaged time are min/max/sums over those parts, n_threads = the number of thread parts. First message and
    first response: macro first_in_order (DuckDB: one hash aggregate instead of a sort of the messages).
#}
{#- Relations, not import CTEs: DuckDB materializes a CTE read more than once; each read projects what it needs. #}
{{ asyncwfm.refresh_by_scope('journey_id', 'int_refresh_facts', save_replaced=true) }}
{#- incremental (issue 9): the facts of the journeys in int_refresh_facts are deleted and rebuilt from the rows of
    those journeys only #}
{%- set scope = ref('int_refresh_facts') %}
{%- set messages = asyncwfm.refresh_filtered(ref('int_contacts_assigned'), 'journey_id', scope, 'journey_id') %}
{%- set responses = asyncwfm.refresh_filtered(ref('int_responses_measured'), 'thread_id', scope, 'thread_id') %}
{%- set work -%}
    (select * from {{ asyncwfm.refresh_filtered(ref('int_work_apportioned'), 'journey_id', scope, 'journey_id') }} as work_in_scope where contact_id is not null)
{%- endset %}
with

journeys as (
    select * from {{ asyncwfm.refresh_filtered(ref('int_journeys_linked'), 'journey_id', scope, 'journey_id') }} as journeys_in_scope
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

events as (
    select contact_id, thread_id, session_id, channel, occurred_at as started_at, ended_at
    from {{ messages }}
    union all
    select contact_id, thread_id, session_id, channel, started_at, ended_at
    from {{ work }} as work
),

-- One aggregation of the events per (contact, session); a session lies in one thread (one channel), so the
-- thread parts and the contact's span are the min/max over its session parts.
session_parts as (
    select
        contact_id,
        session_id,
        min(thread_id) as thread_id,
        min(channel) as channel,
        min(started_at) as started_at,
        max(ended_at) as ended_at
    from events
    group by contact_id, session_id
),

contact_spans as (
    select
        contact_id,
        min(started_at) as started_at,
        max(ended_at) as ended_at
    from session_parts
    group by contact_id
),

engaged as (
    select
        contact_id,
        sum({{ asyncwfm.seconds_between('started_at', 'ended_at') }}) as engaged_seconds
    from session_parts
    group by contact_id
),

thread_part_spans as (
    select
        contact_id,
        thread_id,
        min(channel) as channel,
        {{ asyncwfm.seconds_between('min(started_at)', 'max(ended_at)') }} as part_span_seconds
    from session_parts
    group by contact_id, thread_id
),

thread_part_work as (
    select contact_id, thread_id, sum(handle_seconds) as active_seconds
    from {{ work }} as work
    group by contact_id, thread_id
),

thread_parts as (
    select
        thread_part_spans.contact_id,
        thread_part_spans.thread_id,
        coalesce(thread_part_work.active_seconds, 0) as active_seconds,
        case
            when policies.handle_time_basis = 'elapsed' then thread_part_spans.part_span_seconds
            else coalesce(thread_part_work.active_seconds, 0)
        end as handle_seconds
    from thread_part_spans
    inner join policies
        on policies.channel = thread_part_spans.channel
    left join thread_part_work
        on thread_part_work.contact_id = thread_part_spans.contact_id
        and thread_part_work.thread_id = thread_part_spans.thread_id
),

handles as (
    select
        contact_id,
        sum(active_seconds) as active_handle_seconds,
        sum(handle_seconds) as handle_seconds,
        -- work lies in threads of the contact's messages: these are the threads of its messages
        count(thread_id) as n_threads
    from thread_parts
    group by contact_id
),

-- the first message by (occurred_at, message_key), with the columns used below
first_messages as (
    {{ asyncwfm.first_in_order(messages, 'contact_id', ['occurred_at', 'message_key'], [
        'channel', 'queue_id', 'contact_unit', 'occurred_at', 'answered_at', 'is_abandoned', 'journey_id',
        'thread_id', 'customer_key', 'policy_version'
    ]) }}
),

message_counts as (
    select
        contact_id,
        count(*) as n_messages,
        cast(sum(case when direction = 'inbound' then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_inbound_messages,
        cast(sum(case when direction = 'outbound' then 1 else 0 end) as {{ dbt.type_bigint() }}) as n_outbound_messages
    from {{ messages }}
    group by contact_id
),

agent_ids as (
    select contact_id, agent_id from {{ messages }} where sender_role = 'agent' and agent_id is not null
    union
    select contact_id, agent_id from {{ work }} as work
),

agents as (
    select contact_id, count(distinct agent_id) as n_agents
    from agent_ids
    group by contact_id
),

first_responses as (
    {{ asyncwfm.first_in_order(responses, 'contact_id', ['occurred_at', 'message_key'], ['response_seconds']) }}
),

waits as (
    select contact_id, sum(response_seconds) as customer_wait_seconds
    from {{ responses }}
    group by contact_id
),

journey_channels as (
    select journey_id, count(distinct channel) as n_channels
    from journeys
    group by journey_id
),

final as (
    select
        first_messages.contact_id,
        coalesce(journeys.journey_channel, first_messages.channel) as channel,
        coalesce(journeys.journey_queue_id, first_messages.queue_id) as queue_id,
        first_messages.contact_unit,
        owner_policies.handle_time_basis,
        contact_spans.started_at,
        contact_spans.ended_at,
        message_counts.n_messages,
        message_counts.n_inbound_messages,
        message_counts.n_outbound_messages,
        handles.n_threads,
        coalesce(agents.n_agents, 0) as n_agents,
        handles.active_handle_seconds,
        handles.handle_seconds,
        {{ asyncwfm.seconds_between('contact_spans.started_at', 'contact_spans.ended_at') }} as span_seconds,
        engaged.engaged_seconds,
        first_responses.response_seconds as first_response_seconds,
        coalesce(waits.customer_wait_seconds, 0) as customer_wait_seconds,
        case
            when first_messages.channel = 'voice' and first_messages.answered_at is not null
                then {{ asyncwfm.seconds_between('first_messages.occurred_at', 'first_messages.answered_at') }}
        end as speed_of_answer_seconds,
        case when first_messages.channel = 'voice' then first_messages.is_abandoned end as is_abandoned,
        journey_channels.n_channels > 1 as switched_channel,
        first_messages.journey_id,
        first_messages.thread_id as first_thread_id,
        first_messages.customer_key,
        first_messages.policy_version
    from first_messages
    inner join contact_spans
        on contact_spans.contact_id = first_messages.contact_id
    inner join message_counts
        on message_counts.contact_id = first_messages.contact_id
    inner join handles
        on handles.contact_id = first_messages.contact_id
    inner join engaged
        on engaged.contact_id = first_messages.contact_id
    left join journeys
        on journeys.thread_id = first_messages.thread_id
        and first_messages.contact_unit = 'journey'
    inner join journey_channels
        on journey_channels.journey_id = first_messages.journey_id
    inner join policies as owner_policies
        on owner_policies.channel = coalesce(journeys.journey_channel, first_messages.channel)
    left join agents
        on agents.contact_id = first_messages.contact_id
    left join first_responses
        on first_responses.contact_id = first_messages.contact_id
    left join waits
        on waits.contact_id = first_messages.contact_id
)

select * from final
