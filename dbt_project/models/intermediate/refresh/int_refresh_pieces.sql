{#
    Refresh scope (issue 9): the counted segments whose pieces may change in this refresh, with the journeys
    their work belongs to before and after. A segment's pieces depend only on the agent's segments that overlap
    it (they cut it and count as concurrent items), so the segments in scope are those of int_refresh_segments
    and every counted segment overlapping one of them, old span or new (by islands of overlapping spans per
    agent: touching counts as overlapping). Empty in a full build. DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_segments') }}, {{ ref('int_work_attributed') }}
{%- set previous = asyncwfm.previous_build_of('int_work_apportioned') %}

{%- if previous is not none %}

with

refresh_segments as (
    select segment_id from {{ ref('int_refresh_segments') }}
),

counted as (
    select segment_id, agent_id, started_at, ended_at, journey_id
    from {{ ref('int_work_attributed') }}
    where is_counted
),

old_pieces as (
    select segment_id, agent_id, started_at, ended_at, journey_id
    from {{ previous }}
),

changed_spans as (
    select counted.agent_id, counted.started_at, counted.ended_at
    from counted
    inner join refresh_segments on refresh_segments.segment_id = counted.segment_id
    union all
    select old_pieces.agent_id, min(old_pieces.started_at), max(old_pieces.ended_at)
    from old_pieces
    inner join refresh_segments on refresh_segments.segment_id = old_pieces.segment_id
    group by old_pieces.agent_id, old_pieces.segment_id
),

islands as (
    {{ asyncwfm.span_islands('select agent_id, started_at, ended_at from changed_spans') }}
),

affected as (
    select distinct counted.segment_id, counted.journey_id
    from counted
    inner join islands
        on islands.agent_id = counted.agent_id
        and counted.started_at <= islands.island_ended_at
        and counted.ended_at >= islands.island_started_at
),

final as (
    select segment_id, journey_id from affected
    union
    select old_pieces.segment_id, old_pieces.journey_id
    from old_pieces
    where old_pieces.segment_id in (select segment_id from affected)
        or old_pieces.segment_id in (select segment_id from refresh_segments)
    union
    select segment_id, cast(null as {{ dbt.type_string() }}) as journey_id from refresh_segments
)

select segment_id, journey_id from final

{%- else %}

select
    cast(null as {{ dbt.type_string() }}) as segment_id,
    cast(null as {{ dbt.type_string() }}) as journey_id
where false

{%- endif %}
