{#
    One row per inbound customer message with its response (SPEC §5): the next agent message in the same
    thread at or after it (bot and system messages are not responses). Voice: the leg's answer
    (answered_at). is_within_target: answered within the channel's service_target_seconds; unanswered counts
    as missed once its target window has passed the end of the data, and is null while still inside it.
    Speed: the window sees only inbound customer messages and agent responses (the rows it can output or find);
    the others are neither, and dropping them keeps the order of the rest (DECISIONLOG "Contacts").
#}
{{ asyncwfm.refresh_by_scope('thread_id', 'int_refresh_journeys', save_replaced=true) }}
{#- incremental (issue 9): only the threads of int_refresh_journeys are deleted and rebuilt (the end of the data
    is read from the whole table: int_refresh_journeys holds every thread with a response it can change) #}
{#- int_contacts_assigned is read as a relation, not as an import CTE: DuckDB materializes a CTE read more than
    once (the whole 4.3 M-message table at 10 M events just for max(ended_at)) #}
{%- set messages = ref('int_contacts_assigned') %}

with

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

data_end as (
    select max(ended_at) as data_ended_at from {{ messages }}
),

-- only the rows the windows need: the inbound customer messages (the output) and the agent responses (what they
-- look for). Dropping the other rows (bot, system) keeps the relative order of the rest, so the next agent
-- response at or after each inbound message is the same.
ordered as (
    select
        messages.message_key,
        messages.channel,
        messages.queue_id,
        messages.thread_id,
        messages.session_id,
        messages.contact_id,
        messages.occurred_at,
        messages.answered_at,
        messages.agent_id,
        messages.direction,
        messages.sender_role,
        messages.policy_version,
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
    from {{ messages }} as messages
    where (messages.is_agent_response
        or (messages.direction = 'inbound' and messages.sender_role = 'customer'))
        and {{ asyncwfm.in_refresh_scope('messages.thread_id', ref('int_refresh_journeys'), 'thread_id') }}
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
