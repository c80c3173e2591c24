{#
    One row per message with its thread (SPEC §3).
    - email: `email:ticket:<ticket_id>`; without ticket_id, the reply-graph component, which takes the ticket of
      the earliest ticketed message in it when there is one; a message with no reply links is its own thread.
    - chat: `chat:<chat_id>`.
    - sms: (customer, business number) cut after a silence longer than thread_gap_minutes (equal is no cut).
    - social: the conversation / reply-chain component; posts with neither: (platform, customer) cut by
      thread_gap_minutes.
    - voice: the component of the transfer chain (a leg with no transfer is its own thread).
#}
with

messages as (
    select * from {{ ref('int_messages_unified') }}
),

components as (
    select * from {{ ref('int_reply_graphs_linked') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

with_component as (
    select
        messages.*,
        components.component
    from messages
    left join components
        on components.node = {{ dbt.concat(['messages.channel', "':'", 'messages.message_id']) }}
        and messages.channel in ('email', 'social', 'voice')
),

component_tickets as (
    select
        component,
        ticket_id
    from (
        select
            component,
            ticket_id,
            row_number() over (partition by component order by occurred_at, message_id) as ticket_rank
        from with_component
        where channel = 'email'
            and ticket_id is not null
            and component is not null
    ) as ranked
    where ticket_rank = 1
),

gap_candidates as (
    select
        with_component.message_key,
        with_component.channel,
        with_component.message_id,
        with_component.gap_thread_key,
        with_component.occurred_at,
        case
            when lag(with_component.occurred_at) over (
                partition by with_component.channel, with_component.gap_thread_key
                order by with_component.occurred_at, with_component.message_id
            ) is null then 1
            when {{ asyncwfm.seconds_between(
                'lag(with_component.occurred_at) over (partition by with_component.channel, with_component.gap_thread_key order by with_component.occurred_at, with_component.message_id)',
                'with_component.occurred_at') }} > policies.thread_gap_minutes * 60 then 1
            else 0
        end as is_new_thread
    from with_component
    inner join policies
        on policies.channel = with_component.channel
    where with_component.channel in ('sms', 'social')
        and with_component.component is null
),

gap_numbered as (
    select
        *,
        sum(is_new_thread) over (
            partition by channel, gap_thread_key
            order by occurred_at, message_id
            rows between unbounded preceding and current row
        ) as gap_thread_number
    from gap_candidates
),

gap_threads as (
    select
        message_key,
        {{ dbt.concat([
            'channel', "':gap:'",
            'first_value(message_id) over (partition by channel, gap_thread_key, gap_thread_number order by occurred_at, message_id)'
        ]) }} as thread_id
    from gap_numbered
),

final as (
    select
        with_component.message_key,
        with_component.channel,
        with_component.message_id,
        with_component.item_id,
        with_component.queue_id,
        with_component.direction,
        with_component.sender_role,
        with_component.agent_id,
        with_component.customer_key,
        with_component.customer_id,
        with_component.occurred_at,
        with_component.ended_at,
        with_component.answered_at,
        with_component.is_abandoned,
        with_component.is_agent_response,
        case
            when with_component.channel = 'email' and with_component.ticket_id is not null
                then {{ dbt.concat(["'email:ticket:'", 'with_component.ticket_id']) }}
            when with_component.channel = 'email' and component_tickets.ticket_id is not null
                then {{ dbt.concat(["'email:ticket:'", 'component_tickets.ticket_id']) }}
            when with_component.channel = 'chat'
                then {{ dbt.concat(["'chat:'", 'with_component.item_id']) }}
            when with_component.component is not null
                then with_component.component
            when with_component.channel in ('email', 'voice')
                then with_component.message_key
            else gap_threads.thread_id
        end as thread_id
    from with_component
    left join component_tickets
        on component_tickets.component = with_component.component
    left join gap_threads
        on gap_threads.message_key = with_component.message_key
)

select * from final
