{#
    One row per agent work segment, attributed to exactly one message and through it to a thread, session
    and contact (SPEC §2, §5).
    - email, sms, social, voice: item_id is the message (reading → the inbound message, composing → the outbound
      message it produced, talk/hold/wrap → the call leg).
    - chat: item_id is the chat_id; the segment goes to the chat's session whose span contains its start, else
      the nearest session (ties: the earlier), and inside it to the latest message at or before its start
      (else the session's first message).
    - voice: the CDR is the record of call work (SPEC §5: talk + hold + wrap). Every answered leg with an agent
      gets synthesized segments: talk+hold = answered_at → ended_at, wrap = ended_at → ended_at + wrap_seconds
      (is_from_cdr). agent_activity voice segments of such legs are kept but not counted (is_counted = false),
      so the call's work is never counted twice; they count only for legs the CDR gives no agent work for.
    Segments whose item matches no message keep null ids. is_valid = ended_at > started_at; invalid segments
    stay here for the quality gates and are left out of handle time.
#}
with

segments as (
    select * from {{ ref('stg_agent_activity__segments') }}
),

calls as (
    select * from {{ ref('stg_voice__calls') }}
),

messages as (
    select * from {{ ref('int_contacts_assigned') }}
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
    select * from activity_segments
    union all
    select * from cdr_segments
),

direct_attribution as (
    select
        all_segments.segment_id,
        messages.message_key
    from all_segments
    inner join messages
        on messages.channel = all_segments.channel
        and messages.message_id = all_segments.item_id
    where all_segments.channel <> 'chat'
),

chat_sessions as (
    select
        item_id as chat_id,
        session_id,
        min(occurred_at) as session_started_at,
        max(ended_at) as session_ended_at
    from messages
    where channel = 'chat'
    group by item_id, session_id
),

chat_session_candidates as (
    select
        all_segments.segment_id,
        all_segments.started_at,
        chat_sessions.session_id,
        row_number() over (
            partition by all_segments.segment_id
            order by
                case
                    when all_segments.started_at < chat_sessions.session_started_at
                        then {{ asyncwfm.seconds_between('all_segments.started_at', 'chat_sessions.session_started_at') }}
                    when all_segments.started_at > chat_sessions.session_ended_at
                        then {{ asyncwfm.seconds_between('chat_sessions.session_ended_at', 'all_segments.started_at') }}
                    else 0
                end,
                chat_sessions.session_started_at
        ) as session_rank
    from all_segments
    inner join chat_sessions
        on chat_sessions.chat_id = all_segments.item_id
    where all_segments.channel = 'chat'
),

chat_message_candidates as (
    select
        chat_session_candidates.segment_id,
        messages.message_key,
        row_number() over (
            partition by chat_session_candidates.segment_id
            order by
                case when messages.occurred_at <= chat_session_candidates.started_at then 0 else 1 end,
                case when messages.occurred_at <= chat_session_candidates.started_at then messages.occurred_at end desc,
                messages.occurred_at,
                messages.message_key
        ) as message_rank
    from chat_session_candidates
    inner join messages
        on messages.session_id = chat_session_candidates.session_id
    where chat_session_candidates.session_rank = 1
),

chat_attribution as (
    select segment_id, message_key
    from chat_message_candidates
    where message_rank = 1
),

attribution as (
    select segment_id, message_key from direct_attribution
    union all
    select segment_id, message_key from chat_attribution
),

final as (
    select
        all_segments.segment_id,
        all_segments.agent_id,
        all_segments.channel,
        all_segments.item_id,
        all_segments.activity,
        all_segments.started_at,
        all_segments.ended_at,
        all_segments.ended_at > all_segments.started_at as is_valid,
        (
            all_segments.ended_at > all_segments.started_at
            and not (
                all_segments.channel = 'voice'
                and not all_segments.is_from_cdr
                and all_segments.item_id in (select call_id from cdr_worked_calls)
            )
        ) as is_counted,
        all_segments.is_from_cdr,
        messages.message_key,
        messages.thread_id,
        messages.session_id,
        messages.contact_id,
        messages.journey_id,
        messages.queue_id
    from all_segments
    left join attribution
        on attribution.segment_id = all_segments.segment_id
    left join messages
        on messages.message_key = attribution.message_key
)

select * from final
