{#
    One row per agent work segment, attributed to exactly one message and through it to a thread, session
    and contact (SPEC §2, §5).
    - email, sms, social, voice: item_id is the message (reading → the inbound message, composing → the outbound
      message it produced, talk/hold/wrap → the call leg).
    - chat: item_id is the chat_id; the segment goes to the chat's session whose span contains its start, else
      the nearest session (ties: the earlier), and inside it to the latest message at or before its start
      (ties: the smallest message_key; else the session's first message) — macro latest_message_at_or_before
      (DuckDB: ASOF join; no segment × session-messages product).
    - voice: the CDR is the record of call work (SPEC §5: talk + hold + wrap). Every answered leg with an agent
      gets synthesized segments: talk+hold = answered_at → ended_at, wrap = ended_at → ended_at + wrap_seconds
      (is_from_cdr). agent_activity voice segments of such legs are kept but not counted (is_counted = false),
      so the call's work is never counted twice; they count only for legs the CDR gives no agent work for.
    Segments whose item matches no message keep null ids. is_valid = ended_at > started_at; invalid segments
    stay here for the quality gates and are left out of handle time.
#}
{{ asyncwfm.refresh_by_scope('segment_id', 'int_refresh_segments') }}
{#- incremental (issue 9): only the segments of int_refresh_segments are deleted and rebuilt #}
{%- set chat_segment_columns = 'segment_id, agent_id, channel, item_id, activity, started_at, ended_at, is_from_cdr' %}
with

segments as (
    select * from {{ ref('stg_agent_activity__segments') }}
),

calls as (
    select * from {{ ref('stg_voice__calls') }}
),

activity_segments as (
    select
        segment_id,
        agent_id,
        channel,
        item_id,
        activity,
        started_at,
        ended_at,
        false as is_from_cdr
    from segments
),

cdr_worked_calls as (
    select call_id
    from calls
    where answered_at is not null
        and agent_id is not null
),

cdr_segments as (
    select
        {{ dbt.concat(["'cdr:'", 'call_id', "':talk'"]) }} as segment_id,
        agent_id,
        'voice' as channel,
        call_id as item_id,
        'talk' as activity,
        answered_at as started_at,
        ended_at,
        true as is_from_cdr
    from calls
    where answered_at is not null
        and agent_id is not null
    union all
    select
        {{ dbt.concat(["'cdr:'", 'call_id', "':wrap'"]) }} as segment_id,
        agent_id,
        'voice' as channel,
        call_id as item_id,
        'wrap' as activity,
        ended_at as started_at,
        {{ asyncwfm.add_seconds('ended_at', 'wrap_seconds') }} as ended_at,
        true as is_from_cdr
    from calls
    where answered_at is not null
        and agent_id is not null
        and wrap_seconds > 0
),

all_segments as (
    select * from (
        select * from activity_segments
        union all
        select * from cdr_segments
    ) as segments_and_calls
    where {{ asyncwfm.in_refresh_scope('segment_id', ref('int_refresh_segments'), 'segment_id') }}
),

{#- Not an import CTE: DuckDB materializes a CTE read more than once; each read below projects only what it needs. #}
{%- set messages = ref('int_contacts_assigned') %}

non_chat_segments as (
    select
        all_segments.*,
        messages.message_key,
        messages.thread_id,
        messages.session_id,
        messages.contact_id,
        messages.journey_id,
        messages.queue_id
    from all_segments
    left join {{ messages }} as messages
        on messages.channel = all_segments.channel
        and messages.message_id = all_segments.item_id
    where all_segments.channel <> 'chat'
        or all_segments.channel is null
),

chat_message_times as (
    select session_id, occurred_at, message_key
    from {{ messages }}
    where channel = 'chat'
),

chat_sessions as (
    select
        item_id as chat_id,
        session_id,
        min(occurred_at) as session_started_at,
        max(ended_at) as session_ended_at
    from {{ messages }}
    where channel = 'chat'
    group by item_id, session_id
),

chat_session_counts as (
    select
        chat_sessions.*,
        count(*) over (partition by chat_id) as n_chat_sessions
    from chat_sessions
),

chat_segments as (
    select * from all_segments where channel = 'chat'
),

-- Most chats have one session: it is the answer, no ranking needed (also the segments of unknown chats).
chat_single_session as (
    select
        chat_segments.*,
        chat_session_counts.session_id,
        chat_session_counts.session_started_at
    from chat_segments
    left join chat_session_counts
        on chat_session_counts.chat_id = chat_segments.item_id
    where coalesce(chat_session_counts.n_chat_sessions, 1) = 1
),

chat_session_candidates as (
    select
        chat_segments.*,
        chat_session_counts.session_id,
        chat_session_counts.session_started_at,
        row_number() over (
            partition by chat_segments.segment_id
            order by
                case
                    when chat_segments.started_at < chat_session_counts.session_started_at
                        then {{ asyncwfm.seconds_between('chat_segments.started_at', 'chat_session_counts.session_started_at') }}
                    when chat_segments.started_at > chat_session_counts.session_ended_at
                        then {{ asyncwfm.seconds_between('chat_session_counts.session_ended_at', 'chat_segments.started_at') }}
                    else 0
                end,
                chat_session_counts.session_started_at
        ) as session_rank
    from chat_segments
    inner join chat_session_counts
        on chat_session_counts.chat_id = chat_segments.item_id
    where chat_session_counts.n_chat_sessions > 1
),

-- A segment before its session's first message (or without a start) goes to that first message: probe the
-- session start instead (chat occurred_at is never null, stg_chat__events).
chat_session_choices as (
    select
        chosen.*,
        case
            when chosen.started_at >= chosen.session_started_at then chosen.started_at
            else chosen.session_started_at
        end as attributed_at
    from (
        select {{ chat_segment_columns }}, session_id, session_started_at from chat_single_session
        union all
        select {{ chat_segment_columns }}, session_id, session_started_at from chat_session_candidates
        where session_rank = 1
    ) as chosen
),

{{ asyncwfm.latest_message_at_or_before('chat_session_choices', 'attributed_at', 'chat_message_times', 'chat_attributed') }},

chat_segments_attributed as (
    select
        chat_attributed.{{ chat_segment_columns | replace(', ', ', chat_attributed.') }},
        messages.message_key,
        messages.thread_id,
        messages.session_id,
        messages.contact_id,
        messages.journey_id,
        messages.queue_id
    from chat_attributed
    left join {{ messages }} as messages
        on messages.message_key = chat_attributed.message_key
),

final as (
    select
        segment_id,
        agent_id,
        channel,
        item_id,
        activity,
        started_at,
        ended_at,
        ended_at > started_at as is_valid,
        (
            ended_at > started_at
            and not (
                channel = 'voice'
                and not is_from_cdr
                and item_id in (select call_id from cdr_worked_calls)
            )
        ) as is_counted,
        is_from_cdr,
        message_key,
        thread_id,
        session_id,
        contact_id,
        journey_id,
        queue_id
    from non_chat_segments
    union all
    select
        segment_id,
        agent_id,
        channel,
        item_id,
        activity,
        started_at,
        ended_at,
        ended_at > started_at as is_valid,
        -- chat: the voice exception below never applies
        ended_at > started_at as is_counted,
        is_from_cdr,
        message_key,
        thread_id,
        session_id,
        contact_id,
        journey_id,
        queue_id
    from chat_segments_attributed
)

select * from final
