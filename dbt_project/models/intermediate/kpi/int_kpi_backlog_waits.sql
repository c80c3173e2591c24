{#
    One row per inbound customer message (int_responses_measured) with the period during which it keeps its
    thread in the backlog (SPEC §6 backlog_end: threads awaiting an agent). The wait starts when the message
    arrives and ends at the first of:
    - `answered`: the next agent message in the thread (responded_at; voice: the answer);
    - `handled`: never answered, but an agent worked on it, or on a later unanswered message of the same
      thread (read and closed without a reply): the end of the earliest such handling;
    - `customer_left`: never answered nor handled on a real-time channel (is_deferred = false): the last event
      of the thread (voice: the end of the abandoned call), when the customer stopped waiting;
    - otherwise null: still waiting at the end of the data (deferred channels).
#}
{{ asyncwfm.refresh_by_scope('thread_id', 'int_refresh_facts', save_replaced=true) }}
{#- incremental (issue 9): a wait reads only its thread's messages, responses and work; the threads of the
    journeys in int_refresh_facts are deleted and rebuilt #}
{%- set scope = ref('int_refresh_facts') %}
with

responses as (
    select * from {{ ref('int_responses_measured') }}
    where {{ asyncwfm.in_refresh_scope('thread_id', scope, 'thread_id') }}
),

messages as (
    select * from {{ ref('int_contacts_assigned') }}
    where {{ asyncwfm.in_refresh_scope('thread_id', scope, 'thread_id') }}
),

work as (
    select * from {{ ref('int_work_apportioned') }}
    where message_key is not null
        and {{ asyncwfm.in_refresh_scope('thread_id', scope, 'thread_id') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

handling as (
    select message_key, max(ended_at) as handled_at
    from work
    group by message_key
),

thread_events as (
    select thread_id, ended_at as event_at from messages
    union all
    select thread_id, ended_at from work
),

thread_ends as (
    select thread_id, max(event_at) as thread_ended_at
    from thread_events
    group by thread_id
),

unanswered as (
    select
        responses.message_key,
        min(handling.handled_at) over (
            partition by responses.thread_id
            order by responses.occurred_at desc, responses.message_key desc
            rows between unbounded preceding and current row
        ) as handled_at
    from responses
    left join handling
        on handling.message_key = responses.message_key
    where responses.responded_at is null
),

waits as (
    select
        responses.message_key,
        responses.thread_id,
        responses.channel,
        responses.queue_id,
        responses.occurred_at as waiting_since,
        case
            when responses.responded_at is not null then responses.responded_at
            when unanswered.handled_at is not null then unanswered.handled_at
            when not policies.is_deferred then
                case
                    when thread_ends.thread_ended_at > responses.occurred_at then thread_ends.thread_ended_at
                    else responses.occurred_at
                end
        end as waiting_until,
        case
            when responses.responded_at is not null then 'answered'
            when unanswered.handled_at is not null then 'handled'
            when not policies.is_deferred then 'customer_left'
        end as wait_end_reason,
        responses.policy_version
    from responses
    inner join policies
        on policies.channel = responses.channel
    left join unanswered
        on unanswered.message_key = responses.message_key
    left join thread_ends
        on thread_ends.thread_id = responses.thread_id
),

final as (
    select
        message_key,
        thread_id,
        channel,
        queue_id,
        waiting_since,
        waiting_until,
        wait_end_reason,
        {{ asyncwfm.seconds_between('waiting_since', 'waiting_until') }} as waited_seconds,
        policy_version
    from waits
)

select * from final
