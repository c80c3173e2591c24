{#
    One row per message with its session (SPEC §3): a maximal run of a thread's messages in which no gap
    exceeds session_gap_minutes. The gap is measured from the latest end so far (a call leg ends after it
    starts) to the next message's start; a gap exactly equal to the threshold does not cut.
    session_id = `<thread_id>#<n>`, n counted from 1 in time order.
#}
with

threads as (
    select * from {{ ref('int_threads_assigned') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

previous_ends as (
    select
        threads.*,
        policies.session_gap_minutes,
        max(threads.ended_at) over (
            partition by threads.thread_id
            order by threads.occurred_at, threads.message_key
            rows between unbounded preceding and 1 preceding
        ) as previous_ended_at
    from threads
    inner join policies
        on policies.channel = threads.channel
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
        ) as session_seq
    from flagged
),

final as (
    select
        message_key,
        channel,
        message_id,
        item_id,
        queue_id,
        direction,
        sender_role,
        agent_id,
        customer_key,
        customer_id,
        occurred_at,
        ended_at,
        answered_at,
        is_abandoned,
        is_agent_response,
        thread_id,
        session_seq,
        {{ dbt.concat(['thread_id', "'#'", dbt.cast('session_seq', dbt.type_string())]) }} as session_id
    from numbered
)

select * from final
