{#
    One row per message with every id: thread, session, journey and the contact it is counted in (SPEC §3–§4).
    contact_unit comes from the message's channel policy: message → `<channel>:<message_id>` (voice: one call
    leg), session → session_id, thread → thread_id. When the journey is merged (merge_channel_switches of the
    starting channel, more than one thread) the whole journey is one contact `journey:<journey_id>` with
    contact_unit `journey`, owned by the starting channel and queue.
#}
with

messages as (
    select * from {{ ref('int_sessions_split') }}
),

journeys as (
    select * from {{ ref('int_journeys_linked') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
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
            when policies.contact_unit = 'message' then messages.message_key
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
