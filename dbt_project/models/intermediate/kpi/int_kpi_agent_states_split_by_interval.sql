{#
    One row per agent state span (stg_agent_states__spans) and interval it overlaps, cut at interval
    boundaries. Spans with ended_at <= started_at are not here.
#}
with

agent_states as (
    select * from {{ ref('stg_agent_states__spans') }}
    where ended_at > started_at
),

intervals as (
    select * from {{ ref('int_kpi_intervals_spined') }}
),

split as (
    select
        agent_states.agent_id,
        agent_states.state,
        intervals.interval_start_utc,
        agent_states.started_at as span_started_at,
        case when agent_states.started_at > intervals.interval_start_utc then agent_states.started_at
            else intervals.interval_start_utc end as started_at,
        case when agent_states.ended_at < intervals.interval_end_utc then agent_states.ended_at
            else intervals.interval_end_utc end as ended_at
    from agent_states
    inner join intervals
        on intervals.interval_start_utc < agent_states.ended_at
        and intervals.interval_end_utc > agent_states.started_at
),

final as (
    select
        agent_id,
        state,
        interval_start_utc,
        span_started_at,
        started_at,
        ended_at,
        {{ asyncwfm.seconds_between('started_at', 'ended_at') }} as state_seconds
    from split
)

select * from final
