{#
    One row per message with its session (SPEC §3): a maximal run of a thread's events in which no gap
    exceeds session_gap_minutes. The events are the thread's messages plus the chat's other events
    (agent_join, agent_leave, transfer, end), which bridge gaps but are not messages. The gap is measured from
    the latest end so far (a call leg ends after it starts) to the next event's start; a gap exactly equal to
    the threshold does not cut. session_id = `<thread_id>#<n>`, n counted from 1 over the sessions that hold
    messages, in time order.
#}
with

threads as (
    select * from {{ ref('int_threads_assigned') }}
),

chat_events as (
    select * from {{ ref('stg_chat__events') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

timeline as (
    select message_key, channel, thread_id, occurred_at, ended_at, true as is_message
    from threads
    union all
    select
        {{ dbt.concat(["'chat-event:'", 'event_id']) }} as message_key,
        'chat' as channel,
        {{ dbt.concat(["'chat:'", 'chat_id']) }} as thread_id,
        occurred_at,
        occurred_at as ended_at,
        false as is_message
    from chat_events
    where event_type <> 'message'
),

previous_ends as (
    select
        timeline.*,
        policies.session_gap_minutes,
        max(timeline.ended_at) over (
            partition by timeline.thread_id
            order by timeline.occurred_at, timeline.message_key
            rows between unbounded preceding and 1 preceding
        ) as previous_ended_at
    from timeline
    inner join policies
        on policies.channel = timeline.channel
),

flagged as (
    select
        *,
        case
            when previous_ended_at is null then 1
            when {{ asyncwfm.seconds_between('previous_ended_at', 'occurred_at') }} > session_gap_minutes * 60 then 1
            else 0
        end as is_new_session
    from previous_ends
),

numbered as (
    select
        *,
        sum(is_new_session) over (
            partition by thread_id
            order by occurred_at, message_key
            rows between unbounded preceding and current row
        ) as timeline_session_seq
    from flagged
),

message_sessions as (
    select
        message_key,
        dense_rank() over (partition by thread_id order by timeline_session_seq) as session_seq
    from numbered
    where is_message
),

final as (
    select
        threads.message_key,
        threads.channel,
        threads.message_id,
        threads.item_id,
        threads.queue_id,
        threads.direction,
        threads.sender_role,
        threads.agent_id,
        threads.customer_key,
        threads.customer_id,
        threads.occurred_at,
        threads.ended_at,
        threads.answered_at,
        threads.is_abandoned,
        threads.is_agent_response,
        threads.thread_id,
        message_sessions.session_seq,
        {{ dbt.concat(['threads.thread_id', "'#'", dbt.cast('message_sessions.session_seq', dbt.type_string())]) }}
            as session_id
    from threads
    inner join message_sessions
        on message_sessions.message_key = threads.message_key
)

select * from final
