{#
    SPEC §5 invariant: with concurrency_mode = apportioned, an agent's total handle time never exceeds the
    wall-clock time the agent spent in work segments (the union of its segments: each elementary piece of the
    timeline counted once). Returns the agents that exceed it by more than 1 ms.
#}
with

pieces as (
    select * from {{ ref('int_work_apportioned') }}
),

apportioned as (
    select agent_id, sum(handle_seconds) as handle_seconds
    from pieces
    where concurrency_mode = 'apportioned'
    group by agent_id
),

timeline as (
    select distinct agent_id, started_at, ended_at, piece_seconds
    from pieces
),

wall_clock as (
    select agent_id, sum(piece_seconds) as wall_clock_seconds
    from timeline
    group by agent_id
)

select
    apportioned.agent_id,
    apportioned.handle_seconds,
    wall_clock.wall_clock_seconds
from apportioned
inner join wall_clock
    on wall_clock.agent_id = apportioned.agent_id
where apportioned.handle_seconds > wall_clock.wall_clock_seconds + 0.001
