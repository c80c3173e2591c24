{#
    One row per interval x agent (SPEC §6), for every interval in which the agent has a state span or a work
    piece. Key: (interval_start_utc, agent_id). Work comes from int_work_apportioned cut at interval
    boundaries, states from stg_agent_states__spans cut likewise. Definitions (docs/metrics.md):
    busy_seconds = wall-clock union of the agent's work pieces; occupancy = busy / (busy + idle available),
    idle available = time in state `available` while not working; shrinkage = break + lunch + meeting +
    training; avg_concurrency = item seconds / busy seconds.
#}
{{ asyncwfm.refresh_by_scope('interval_start_utc', 'int_refresh_intervals') }}
{#- incremental (issue 9): the intervals of int_refresh_intervals are deleted and rebuilt from their intervals' rows #}
with

intervals as (
    select * from {{ ref('int_kpi_intervals_spined') }}
    where {{ asyncwfm.in_refresh_scope('interval_start_utc', ref('int_refresh_intervals'), 'interval_start_utc') }}
),

work as (
    select * from {{ ref('int_kpi_work_split_by_interval') }}
    where {{ asyncwfm.in_refresh_scope('interval_start_utc', 'intervals', 'interval_start_utc') }}
),

states as (
    select * from {{ ref('int_kpi_agent_states_split_by_interval') }}
    where {{ asyncwfm.in_refresh_scope('interval_start_utc', 'intervals', 'interval_start_utc') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

policy_version as (
    select max(policy_version) as policy_version from policies
),

{# The agent's timeline is cut at every segment boundary: concurrent segments share a piece's exact bounds,
   so the distinct (start, end) pairs tile the union of the agent's work. #}
busy_slices as (
    select distinct
        agent_id,
        interval_start_utc,
        started_at,
        ended_at
    from work
),

available_spans as (
    select * from states
    where state = 'available'
),

working_while_available as (
    select
        busy_slices.agent_id,
        busy_slices.interval_start_utc,
        sum({{ asyncwfm.kpi_overlap_seconds('busy_slices.started_at', 'busy_slices.ended_at',
            'available_spans.started_at', 'available_spans.ended_at') }}) as overlap_seconds
    from busy_slices
    inner join available_spans
        on available_spans.agent_id = busy_slices.agent_id
        and available_spans.interval_start_utc = busy_slices.interval_start_utc
        and available_spans.started_at < busy_slices.ended_at
        and available_spans.ended_at > busy_slices.started_at
    group by busy_slices.agent_id, busy_slices.interval_start_utc
),

busy as (
    select
        agent_id,
        interval_start_utc,
        sum({{ asyncwfm.seconds_between('started_at', 'ended_at') }}) as busy_seconds
    from busy_slices
    group by agent_id, interval_start_utc
),

worked as (
    select
        agent_id,
        interval_start_utc,
        sum(handle_seconds) as handle_seconds,
        sum(case when is_attributed then 0 else handle_seconds end) as unattributed_handle_seconds,
        sum(split_seconds) as item_seconds,
        count(distinct segment_id) as work_segments
    from work
    group by agent_id, interval_start_utc
),

state_seconds as (
    select
        agent_id,
        interval_start_utc,
        sum(case when state = 'available' then state_seconds else 0 end) as available_seconds,
        sum(case when state = 'busy' then state_seconds else 0 end) as busy_state_seconds,
        sum(case when state = 'break' then state_seconds else 0 end) as break_seconds,
        sum(case when state = 'lunch' then state_seconds else 0 end) as lunch_seconds,
        sum(case when state = 'meeting' then state_seconds else 0 end) as meeting_seconds,
        sum(case when state = 'training' then state_seconds else 0 end) as training_seconds,
        sum(case when state = 'offline' then state_seconds else 0 end) as offline_seconds,
        sum(case when state <> 'offline' then state_seconds else 0 end) as logged_in_seconds
    from states
    group by agent_id, interval_start_utc
),

agent_intervals as (
    select agent_id, interval_start_utc from worked
    union
    select agent_id, interval_start_utc from state_seconds
),

joined as (
    select
        intervals.interval_start,
        intervals.interval_end,
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        intervals.interval_date,
        intervals.is_repeated_local_time,
        agent_intervals.agent_id,
        coalesce(worked.handle_seconds, 0) as handle_seconds,
        coalesce(worked.unattributed_handle_seconds, 0) as unattributed_handle_seconds,
        coalesce(worked.item_seconds, 0) as item_seconds,
        coalesce(worked.work_segments, 0) as work_segments,
        coalesce(busy.busy_seconds, 0) as busy_seconds,
        coalesce(state_seconds.available_seconds, 0) as available_seconds,
        greatest(
            coalesce(state_seconds.available_seconds, 0) - coalesce(working_while_available.overlap_seconds, 0), 0
        ) as idle_available_seconds,
        coalesce(state_seconds.busy_state_seconds, 0) as busy_state_seconds,
        coalesce(state_seconds.break_seconds, 0) as break_seconds,
        coalesce(state_seconds.lunch_seconds, 0) as lunch_seconds,
        coalesce(state_seconds.meeting_seconds, 0) as meeting_seconds,
        coalesce(state_seconds.training_seconds, 0) as training_seconds,
        coalesce(state_seconds.offline_seconds, 0) as offline_seconds,
        coalesce(state_seconds.logged_in_seconds, 0) as logged_in_seconds
    from agent_intervals
    inner join intervals
        on intervals.interval_start_utc = agent_intervals.interval_start_utc
    left join worked
        on worked.agent_id = agent_intervals.agent_id
        and worked.interval_start_utc = agent_intervals.interval_start_utc
    left join busy
        on busy.agent_id = agent_intervals.agent_id
        and busy.interval_start_utc = agent_intervals.interval_start_utc
    left join state_seconds
        on state_seconds.agent_id = agent_intervals.agent_id
        and state_seconds.interval_start_utc = agent_intervals.interval_start_utc
    left join working_while_available
        on working_while_available.agent_id = agent_intervals.agent_id
        and working_while_available.interval_start_utc = agent_intervals.interval_start_utc
),

final as (
    select
        cast(interval_start as {{ dbt.type_timestamp() }}) as interval_start,
        cast(interval_end as {{ dbt.type_timestamp() }}) as interval_end,
        cast(interval_start_utc as {{ dbt.type_timestamp() }}) as interval_start_utc,
        cast(interval_end_utc as {{ dbt.type_timestamp() }}) as interval_end_utc,
        cast(interval_date as date) as interval_date,
        cast(is_repeated_local_time as {{ dbt.type_boolean() }}) as is_repeated_local_time,
        cast(agent_id as {{ dbt.type_string() }}) as agent_id,
        cast(handle_seconds as {{ asyncwfm.kpi_type_double() }}) as handle_seconds,
        cast(unattributed_handle_seconds as {{ asyncwfm.kpi_type_double() }}) as unattributed_handle_seconds,
        cast(item_seconds as {{ asyncwfm.kpi_type_double() }}) as item_seconds,
        cast(work_segments as {{ dbt.type_bigint() }}) as work_segments,
        cast(busy_seconds as {{ asyncwfm.kpi_type_double() }}) as busy_seconds,
        cast(case when busy_seconds > 0 then item_seconds / busy_seconds end as {{ asyncwfm.kpi_type_double() }})
            as avg_concurrency,
        cast(available_seconds as {{ asyncwfm.kpi_type_double() }}) as available_seconds,
        cast(idle_available_seconds as {{ asyncwfm.kpi_type_double() }}) as idle_available_seconds,
        cast(busy_seconds + idle_available_seconds as {{ asyncwfm.kpi_type_double() }}) as occupancy_base_seconds,
        cast(case when busy_seconds + idle_available_seconds > 0
            then busy_seconds / (busy_seconds + idle_available_seconds) end as {{ asyncwfm.kpi_type_double() }}) as occupancy,
        cast(busy_state_seconds as {{ asyncwfm.kpi_type_double() }}) as busy_state_seconds,
        cast(break_seconds as {{ asyncwfm.kpi_type_double() }}) as break_seconds,
        cast(lunch_seconds as {{ asyncwfm.kpi_type_double() }}) as lunch_seconds,
        cast(meeting_seconds as {{ asyncwfm.kpi_type_double() }}) as meeting_seconds,
        cast(training_seconds as {{ asyncwfm.kpi_type_double() }}) as training_seconds,
        cast(offline_seconds as {{ asyncwfm.kpi_type_double() }}) as offline_seconds,
        cast(logged_in_seconds as {{ asyncwfm.kpi_type_double() }}) as logged_in_seconds,
        cast(break_seconds + lunch_seconds + meeting_seconds + training_seconds as {{ asyncwfm.kpi_type_double() }})
            as shrinkage_seconds,
        cast(case when logged_in_seconds > 0
            then (break_seconds + lunch_seconds + meeting_seconds + training_seconds) / logged_in_seconds end
            as {{ asyncwfm.kpi_type_double() }}) as shrinkage_rate,
        cast(policy_version.policy_version as {{ dbt.type_string() }}) as policy_version
    from joined
    cross join policy_version
)

select * from final
