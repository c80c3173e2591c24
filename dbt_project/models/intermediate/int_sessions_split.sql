{#
    One row per message with its session (SPEC §3): a maximal run of a thread's events in which no gap
    exceeds session_gap_minutes. The events are the thread's messages plus the chat's other events
    (agent_join, agent_leave, transfer, end), which bridge gaps but are not messages. The gap is measured from
    the latest end so far (a call leg ends after it starts) to the next event's start; a gap exactly equal to
    the threshold does not cut. session_id = `<thread_id>#<n>`, n counted from 1 over the sessions that hold
    messages, in time order.
    Speed: the message columns are carried through the windows (the chat events get typed nulls and are dropped
    before the output) instead of a join back on message_key (DECISIONLOG "Sessions").
#}
{#- The message columns ride through the windows: no join back on message_key, and int_threads_assigned (a view)
    is read once, so DuckDB does not materialize it. #}
{{ asyncwfm.refresh_by_scope('thread_id', 'int_refresh_threads') }}
{#- incremental (issue 9): only the threads of int_refresh_threads are deleted and rebuilt #}
{%- set refresh_threads = ref('int_refresh_threads') %}
{%- set string_null = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{%- set boolean_null = 'cast(null as ' ~ dbt.type_boolean() ~ ')' %}

with

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

timeline as (
    select
        message_key, channel, message_id, item_id, queue_id, direction, sender_role, agent_id, customer_key,
        customer_id, occurred_at, ended_at, answered_at, is_abandoned, is_agent_response, thread_id,
        true as is_message
    from {{ ref('int_threads_assigned') }}
    where {{ asyncwfm.in_refresh_scope('thread_id', refresh_threads, 'thread_id') }}
    union all
    select
        {{ dbt.concat(["'chat-event:'", 'event_id']) }} as message_key,
        'chat' as channel,
        {{ string_null }} as message_id,
        {{ string_null }} as item_id,
        {{ string_null }} as queue_id,
        {{ string_null }} as direction,
        {{ string_null }} as sender_role,
        {{ string_null }} as agent_id,
        {{ string_null }} as customer_key,
        {{ string_null }} as customer_id,
        occurred_at,
        occurred_at as ended_at,
        cast(null as {{ dbt.type_timestamp() }}) as answered_at,
        {{ boolean_null }} as is_abandoned,
        {{ boolean_null }} as is_agent_response,
        {{ dbt.concat(["'chat:'", 'chat_id']) }} as thread_id,
        false as is_message
    from {{ ref('stg_chat__events') }}
    where event_type <> 'message'
        and {{ asyncwfm.in_refresh_scope(dbt.concat(["'chat:'", 'chat_id']), refresh_threads, 'thread_id') }}
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
        *,
        dense_rank() over (partition by thread_id order by timeline_session_seq) as session_seq
    from numbered
    where is_message
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
    from message_sessions
)

select * from final
