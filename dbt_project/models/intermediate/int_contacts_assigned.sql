{#
    One row per message with every id: thread, session, journey and the contact it is counted in (SPEC §3–§4).
    contact_unit comes from the message's channel policy: message → `<channel>:<message_id>` (voice: one call
    leg), session → session_id, thread → thread_id. Under `message`, bot and system messages are not contacts
    of their own: they belong to the contact of the latest customer/agent message of the thread at or before
    them (else the next one; a thread of bot messages only is one contact of its first message).
    When the journey is merged (merge_channel_switches of the starting channel, more than one thread) the
    whole journey is one contact `journey:<journey_id>` with contact_unit `journey`, owned by the starting
    channel and queue.
#}
with

sessions as (
    select * from {{ ref('int_sessions_split') }}
),

journeys as (
    select * from {{ ref('int_journeys_linked') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

messages as (
    select
        sessions.*,
        last_value(case when sessions.sender_role in ('customer', 'agent') then sessions.message_key end ignore nulls)
            over (
                partition by sessions.thread_id
                order by sessions.occurred_at, sessions.message_key
                rows between unbounded preceding and current row
            ) as previous_counted_key,
        first_value(case when sessions.sender_role in ('customer', 'agent') then sessions.message_key end ignore nulls)
            over (
                partition by sessions.thread_id
                order by sessions.occurred_at, sessions.message_key
                rows between current row and unbounded following
            ) as next_counted_key,
        first_value(sessions.message_key) over (
            partition by sessions.thread_id
            order by sessions.occurred_at, sessions.message_key
            rows between unbounded preceding and unbounded following
        ) as first_thread_key
    from sessions
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
            when policies.contact_unit = 'message' then coalesce(
                messages.previous_counted_key, messages.next_counted_key, messages.first_thread_key
            )
            when policies.contact_unit = 'session' then messages.session_id
            else messages.thread_id
        end as contact_id,
        journeys.journey_id,
        case when journeys.is_merged then 'journey' else policies.contact_unit end as contact_unit,
        policies.policy_version
    from messages
    inner join policies
        on policies.channel = messages.channel
    inner join journeys
        on journeys.thread_id = messages.thread_id
)

select * from final
