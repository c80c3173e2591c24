{#
    busy_seconds is a wall-clock union inside one interval: never more than the interval, and never less than
    the apportioned share of the work (Σ split_seconds / concurrent_items = busy exactly when the timeline is
    cut at every segment boundary). Returns offending agent intervals.
#}
with

agents as (
    select * from {{ ref('agg_agent_interval') }}
),

work as (
    select
        agent_id,
        interval_start_utc,
        sum(split_seconds / concurrent_items) as apportioned_seconds
    from {{ ref('int_kpi_work_split_by_interval') }}
    group by agent_id, interval_start_utc
)

select
    agents.agent_id,
    agents.interval_start_utc,
    agents.busy_seconds,
    work.apportioned_seconds
from agents
left join work
    on work.agent_id = agents.agent_id
    and work.interval_start_utc = agents.interval_start_utc
where agents.busy_seconds > {{ asyncwfm.kpi_interval_minutes() }} * 60 + 1e-6
    or abs(agents.busy_seconds - coalesce(work.apportioned_seconds, 0)) > 1e-6
