{#
    Conservation: Σ agg_agent_interval.handle_seconds − Σ unattributed_handle_seconds (work with no contact)
    = Σ agg_interval_kpis.handle_seconds_worked, and Σ agg_agent_interval.handle_seconds = Σ
    int_work_apportioned.handle_seconds (splitting at interval boundaries loses nothing). Returns a row per
    mismatch.
#}
with

agents as (
    select
        coalesce(sum(handle_seconds), 0) as handle_seconds,
        coalesce(sum(handle_seconds - unattributed_handle_seconds), 0) as attributed_handle_seconds
    from {{ ref('agg_agent_interval') }}
),

intervals as (
    select coalesce(sum(handle_seconds_worked), 0) as handle_seconds from {{ ref('agg_interval_kpis') }}
),

work as (
    select coalesce(sum(handle_seconds), 0) as handle_seconds from {{ ref('int_work_apportioned') }}
),

checks as (
    select
        'agent attributed handle vs interval handle worked' as check_name,
        agents.attributed_handle_seconds as left_seconds,
        intervals.handle_seconds as right_seconds
    from agents
    cross join intervals
    union all
    select
        'agent handle vs int_work_apportioned handle',
        agents.handle_seconds,
        work.handle_seconds
    from agents
    cross join work
)

select *
from checks
where abs(left_seconds - right_seconds) > 1e-6 + 1e-9 * abs(right_seconds)
