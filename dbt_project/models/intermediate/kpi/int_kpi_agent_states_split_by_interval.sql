{#
    One row per agent state span (stg_agent_states__spans) and interval it overlaps, cut at interval
    boundaries. Spans with ended_at <= started_at are not here.

    Bucketing by arithmetic, not a range join (DECISIONLOG "Interval bucketing by arithmetic"), as in
    int_kpi_work_split_by_interval: a span touches the grid intervals floor(s / step) .. floor(e / step),
    clipped to the spine, expanded and equi-joined on the index, with the overlap predicates kept as a
    residual filter. Spans outside the spine get no row, as with the range join.
#}
with

agent_states as (
    select * from {{ ref('stg_agent_states__spans') }}
    where ended_at > started_at
),

{{ asyncwfm.kpi_indexed_intervals() }},

state_ranges as (
    select
        agent_states.agent_id,
        agent_states.state,
        agent_states.started_at,
        agent_states.ended_at,
        {{ asyncwfm.kpi_span_interval_indexes('agent_states.started_at', 'agent_states.ended_at') }}
    from agent_states
    cross join grid
),

state_candidates as (
    select
        state_ranges.*,
        expanded.interval_index
    from state_ranges
    cross join {{ asyncwfm.expand_integer_range(
        'state_ranges.first_interval_index', 'state_ranges.end_interval_index', 'interval_index'
    ) }}
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
    from state_candidates as agent_states
    inner join indexed_intervals as intervals
        on intervals.interval_index = agent_states.interval_index
        and intervals.interval_start_utc < agent_states.ended_at
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
