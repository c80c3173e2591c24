{#
    One row per message with every id: thread, session, journey and the contact it is counted in (SPEC §3–§4).
    contact_unit comes from the message's channel policy: message → `<channel>:<message_id>` (voice: one call
    leg), session → session_id, thread → thread_id. Under `message`, bot and system messages are not contacts
    of their own: they belong to the contact of the latest customer/agent message of the thread at or before
    them (else the next one; a thread of bot messages only is one contact of its first message).
    When the journey is merged (merge_channel_switches of the starting channel, more than one thread) the
    whole journey is one contact `journey:<journey_id>` with contact_unit `journey`, owned by the starting
    channel and queue.
    Speed: the thread windows run only over the channels whose contact_unit is `message` (a thread lies in one
    channel, so their values are unchanged); the other channels skip them (DECISIONLOG "Contacts").
#}
{{ asyncwfm.refresh_by_scope('journey_id', 'int_refresh_journeys', save_replaced=true) }}
{#- incremental (issue 9): only the journeys of int_refresh_journeys are deleted and rebuilt #}
{%- set refresh_journeys = ref('int_refresh_journeys') %}
{#- int_sessions_split is read as a relation in two branches (not an import CTE, which DuckDB would materialize) #}
{%- set sessions = ref('int_sessions_split') %}
{%- set columns = [
    'message_key', 'channel', 'message_id', 'item_id', 'queue_id', 'direction', 'sender_role', 'agent_id',
    'customer_key', 'customer_id', 'occurred_at', 'ended_at', 'answered_at', 'is_abandoned', 'is_agent_response',
    'thread_id', 'session_id'
] %}

with

journeys as (
    select * from {{ ref('int_journeys_linked') }}
    where {{ asyncwfm.in_refresh_scope('journey_id', refresh_journeys, 'journey_id') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

-- the contact of a message under contact_unit = message needs the thread's time line (three windows, one
-- sort); only the channels whose policy says `message` go through it. A thread lies in one channel, so each
-- thread's rows are either all here (same windows as over all messages) or none.
message_unit as (
    select
        {%- for column in columns %}
        sessions.{{ column }},
        {%- endfor %}
        policies.contact_unit,
        policies.policy_version,
        coalesce(
            last_value(case when sessions.sender_role in ('customer', 'agent') then sessions.message_key end ignore nulls)
                over (
                    partition by sessions.thread_id
                    order by sessions.occurred_at, sessions.message_key
                    rows between unbounded preceding and current row
                ),
            first_value(case when sessions.sender_role in ('customer', 'agent') then sessions.message_key end ignore nulls)
                over (
                    partition by sessions.thread_id
                    order by sessions.occurred_at, sessions.message_key
                    rows between current row and unbounded following
                ),
            first_value(sessions.message_key) over (
                partition by sessions.thread_id
                order by sessions.occurred_at, sessions.message_key
                rows between unbounded preceding and unbounded following
            )
        ) as message_contact_id
    from {{ sessions }} as sessions
    inner join policies
        on policies.channel = sessions.channel
    where policies.contact_unit = 'message'
        and {{ asyncwfm.in_refresh_scope('sessions.thread_id', refresh_journeys, 'thread_id') }}
),

other_units as (
    select
        {%- for column in columns %}
        sessions.{{ column }},
        {%- endfor %}
        policies.contact_unit,
        policies.policy_version,
        cast(null as {{ dbt.type_string() }}) as message_contact_id
    from {{ sessions }} as sessions
    inner join policies
        on policies.channel = sessions.channel
    where (policies.contact_unit <> 'message' or policies.contact_unit is null)
        and {{ asyncwfm.in_refresh_scope('sessions.thread_id', refresh_journeys, 'thread_id') }}
),

messages as (
    select * from message_unit
    union all
    select * from other_units
),

final as (
    select
        messages.message_key,
        messages.channel,
        messages.message_id,
        messages.item_id,
        messages.queue_id,
        messages.direction,
        messages.sender_role,
        messages.agent_id,
        messages.customer_key,
        messages.customer_id,
        messages.occurred_at,
        messages.ended_at,
        messages.answered_at,
        messages.is_abandoned,
        messages.is_agent_response,
        messages.thread_id,
        messages.session_id,
        case
            when journeys.is_merged then {{ dbt.concat(["'journey:'", 'journeys.journey_id']) }}
            when messages.contact_unit = 'message' then messages.message_contact_id
            when messages.contact_unit = 'session' then messages.session_id
            else messages.thread_id
        end as contact_id,
        journeys.journey_id,
        case when journeys.is_merged then 'journey' else messages.contact_unit end as contact_unit,
        messages.policy_version
    from messages
    inner join journeys
        on journeys.thread_id = messages.thread_id
)

select * from final
