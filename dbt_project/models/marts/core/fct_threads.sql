{# One row per thread: one conversation on one channel (SPEC §3), with its sessions' engaged time. #}
{{ asyncwfm.conversation_summary('thread_id') }},

engaged as (
    select thread_id, sum(span_seconds) as engaged_seconds
    from {{ ref('fct_sessions') }}
    group by thread_id
),

journeys as (
    select * from {{ ref('int_journeys_linked') }}
),

final as (
    select
        summary.thread_id,
        summary.channel,
        summary.queue_id,
        summary.started_at,
        summary.ended_at,
        summary.n_messages,
        summary.n_inbound_messages,
        summary.n_outbound_messages,
        summary.n_sessions,
        summary.n_agents,
        summary.handle_seconds,
        summary.span_seconds,
        engaged.engaged_seconds,
        summary.first_response_seconds,
        summary.customer_wait_seconds,
        summary.journey_id,
        journeys.is_switched_to,
        journeys.link_type as journey_link_type,
        summary.customer_key,
        summary.policy_version
    from summary
    inner join engaged
        on engaged.thread_id = summary.thread_id
    inner join journeys
        on journeys.thread_id = summary.thread_id
)

select * from final
