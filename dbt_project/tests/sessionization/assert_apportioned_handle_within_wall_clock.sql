{#
    SPEC §5 invariant: with concurrency_mode = apportioned, an agent's total handle time never exceeds the
    wall-clock time the agent spent in work segments. The wall clock is computed independently of the
    apportioning: the union (gaps and islands, each instant counted once) of the agent's valid segments as
    attributed, one row per segment, before any overlap handling. Pieces synthesized from call records
    (is_from_cdr) are left out of both sides.
    Returns the agents whose apportioned handle exceeds their wall clock by more than 1 ms.
#}
with

pieces as (
    select * from {{ ref('int_work_apportioned') }}
),

segments as (
    select agent_id, started_at, ended_at
    from {{ ref('int_work_attributed') }}
    where is_valid
        and not is_from_cdr
),

apportioned as (
    select agent_id, sum(handle_seconds) as handle_seconds
    from pieces
    where concurrency_mode = 'apportioned'
        and not is_from_cdr
    group by agent_id
),

ordered as (
    select
        agent_id,
        started_at,
        ended_at,
        max(ended_at) over (
            partition by agent_id order by started_at, ended_at
            rows between unbounded preceding and 1 preceding
        ) as previous_max_ended_at
    from segments
),

flagged as (
    select
        *,
        case when previous_max_ended_at is null or started_at > previous_max_ended_at then 1 else 0 end
            as is_new_island
    from ordered
),

islands as (
    select
        *,
        sum(is_new_island) over (
            partition by agent_id order by started_at, ended_at rows between unbounded preceding and current row
        ) as island_number
    from flagged
),

island_spans as (
    select
        agent_id,
        island_number,
        {{ dbt.datediff('min(started_at)', 'max(ended_at)', 'second') }} as island_seconds
    from islands
    group by agent_id, island_number
),

wall_clock as (
    select agent_id, sum(island_seconds) as wall_clock_seconds
    from island_spans
    group by agent_id
)

select
    apportioned.agent_id,
    apportioned.handle_seconds,
    wall_clock.wall_clock_seconds
from apportioned
left join wall_clock
    on wall_clock.agent_id = apportioned.agent_id
where apportioned.handle_seconds > coalesce(wall_clock.wall_clock_seconds, 0) + 0.001
