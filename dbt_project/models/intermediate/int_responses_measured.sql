{#
    One row per inbound customer message with its response (SPEC §5): the next agent message in the same
    thread at or after it (bot and system messages are not responses). Voice: the leg's answer
    (answered_at). is_within_target: answered within the channel's service_target_seconds; unanswered counts
    as missed once its target window has passed the end of the data, and is null while still inside it.
#}
with

messages as (
    select * from {{ ref('int_contacts_assigned') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

data_end as (
    select max(ended_at) as data_ended_at from messages
),

ordered as (
    select
        messages.*,
        min(case when is_agent_response then occurred_at end) over (
            partition by thread_id
            order by occurred_at, case when direction = 'inbound' then 0 else 1 end, message_key
            rows between current row and unbounded following
        ) as next_response_at,
        first_value(case when is_agent_response then agent_id end ignore nulls) over (
            partition by thread_id
            order by occurred_at, case when direction = 'inbound' then 0 else 1 end, message_key
            rows between current row and unbounded following
        ) as next_response_agent_id
    from messages
),

inbound as (
    select
        ordered.message_key,
        ordered.channel,
        ordered.queue_id,
        ordered.thread_id,
        ordered.session_id,
        ordered.contact_id,
        ordered.occurred_at,
        case when ordered.channel = 'voice' then ordered.answered_at else ordered.next_response_at end as responded_at,
        case when ordered.channel = 'voice' then ordered.agent_id else ordered.next_response_agent_id end
            as responding_agent_id,
        policies.service_target_seconds,
        ordered.policy_version
    from ordered
    inner join policies
        on policies.channel = ordered.channel
    where ordered.direction = 'inbound'
        and ordered.sender_role = 'customer'
),

final as (
    select
        inbound.message_key,
        inbound.channel,
        inbound.queue_id,
        inbound.thread_id,
        inbound.session_id,
        inbound.contact_id,
        inbound.occurred_at,
        inbound.responded_at,
        inbound.responding_agent_id,
        {{ asyncwfm.seconds_between('inbound.occurred_at', 'inbound.responded_at') }} as response_seconds,
        inbound.responded_at is not null as is_answered,
        inbound.service_target_seconds,
        case
            when inbound.responded_at is not null
                then {{ asyncwfm.seconds_between('inbound.occurred_at', 'inbound.responded_at') }}
                    <= inbound.service_target_seconds
            when {{ asyncwfm.seconds_between('inbound.occurred_at', 'data_end.data_ended_at') }}
                > inbound.service_target_seconds
                then false
        end as is_within_target,
        inbound.policy_version
    from inbound
    cross join data_end
)

select * from final
