{#
    One row per interval of var('interval_minutes') in var('site_timezone') (SPEC §6), covering every local day
    from the first to the last day that has any message, work piece, response or agent state. Key:
    interval_start_utc. A spring-forward day has 23 hours of intervals, a fall-back day 25: its repeated local
    hour appears twice with the same local interval_start and different interval_start_utc
    (is_repeated_local_time marks both copies).

    The spine is a UTC grid of fixed steps anchored on a local interval boundary; a step of the grid stays on a
    local boundary across DST changes because the offset changes by a multiple of the interval length.
#}
{%- set minutes = asyncwfm.kpi_interval_minutes() %}

with

messages as (
    select * from {{ ref('int_contacts_assigned') }}
),

work as (
    select * from {{ ref('int_work_apportioned') }}
),

responses as (
    select * from {{ ref('int_responses_measured') }}
),

agent_states as (
    select * from {{ ref('stg_agent_states__spans') }}
),

instants as (
    select occurred_at as first_at, ended_at as last_at from messages
    union all
    select started_at, ended_at from work
    union all
    select occurred_at, responded_at from responses
    union all
    select started_at, ended_at from agent_states
),

bounds as (
    select
        min(first_at) as first_at,
        max(coalesce(last_at, first_at)) as last_at
    from instants
),

local_bounds as (
    select
        cast({{ asyncwfm.kpi_utc_to_local('first_at') }} as date) as first_local_date,
        cast({{ asyncwfm.kpi_utc_to_local('last_at') }} as date) as last_local_date,
        {{ asyncwfm.kpi_interval_start_utc(dbt.dateadd('day', -2, dbt.date_trunc('day', 'first_at'))) }} as grid_start_at,
        {{ dbt.dateadd('day', 2, dbt.date_trunc('day', 'last_at')) }} as grid_end_at
    from bounds
    where first_at is not null
),

grid as (
    select series.series_at as interval_start_utc
    from local_bounds
    cross join {{ asyncwfm.kpi_timestamp_series('local_bounds.grid_start_at', 'local_bounds.grid_end_at', minutes) }}
),

localized as (
    select
        grid.interval_start_utc,
        {{ dbt.dateadd('minute', minutes, 'grid.interval_start_utc') }} as interval_end_utc,
        {{ asyncwfm.kpi_utc_to_local('grid.interval_start_utc') }} as interval_start,
        {{ asyncwfm.kpi_utc_to_local(dbt.dateadd('minute', minutes, 'grid.interval_start_utc')) }} as interval_end
    from grid
),

final as (
    select
        localized.interval_start_utc,
        localized.interval_end_utc,
        localized.interval_start,
        localized.interval_end,
        cast(localized.interval_start as date) as interval_date,
        cast({{ dbt.datediff('localized.interval_start_utc', 'localized.interval_start', 'minute') }} as {{ dbt.type_int() }})
            as utc_offset_minutes,
        count(*) over (partition by localized.interval_start) > 1 as is_repeated_local_time,
        {{ minutes }} as interval_minutes
    from localized
    cross join local_bounds
    where cast(localized.interval_start as date) between local_bounds.first_local_date and local_bounds.last_local_date
)

select * from final
