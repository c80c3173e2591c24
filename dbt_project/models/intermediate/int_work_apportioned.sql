{#
    One row per piece of agent work after overlap handling (SPEC §4 concurrency_mode, §5 handle_seconds).
    Each agent's timeline is cut at every start and end of its valid segments (ended_at > started_at); inside a
    piece the set of the agent's open segments is constant. concurrent_items = how many of the agent's segments
    cover the piece. handle_seconds = piece_seconds / concurrent_items when the segment's channel counts
    `apportioned`, else piece_seconds (`full`). Work is split at interval boundaries downstream, proportionally.
    The sweep is a running sum of +1/-1 events, and a segment's pieces are the elementary intervals between its
    start and end ranks: no range join, O(n log n) per agent.
#}
{{ asyncwfm.refresh_by_scope('segment_id', 'int_refresh_pieces', save_replaced=true) }}
{#- incremental (issue 9): the pieces of the segments in int_refresh_pieces are deleted and rebuilt from the
    agent's segments that overlap them (islands of their spans): nothing else cuts them or counts as concurrent #}
{%- set refresh_pieces = ref('int_refresh_pieces') %}
with

all_counted as (
    select * from {{ ref('int_work_attributed') }}
    where is_counted
),

{%- if is_incremental() %}

rebuilt_islands as (
    {{ asyncwfm.span_islands(
        'select all_counted.agent_id, all_counted.started_at, all_counted.ended_at from all_counted'
        ~ ' where all_counted.segment_id in (select segment_id from ' ~ refresh_pieces ~ ')') }}
),

segments as (
    select all_counted.*
    from all_counted
    where exists (
        select 1
        from rebuilt_islands
        where rebuilt_islands.agent_id = all_counted.agent_id
            and all_counted.started_at <= rebuilt_islands.island_ended_at
            and all_counted.ended_at >= rebuilt_islands.island_started_at
    )
),

{%- else %}

segments as (
    select * from all_counted
),

{%- endif %}

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

boundary_events as (
    select agent_id, started_at as boundary_at, 1 as delta from segments
    union all
    select agent_id, ended_at as boundary_at, -1 as delta from segments
),

boundaries as (
    select
        agent_id,
        boundary_at,
        sum(delta) as delta
    from boundary_events
    group by agent_id, boundary_at
),

elementary as (
    select
        agent_id,
        boundary_at as piece_started_at,
        lead(boundary_at) over (partition by agent_id order by boundary_at) as piece_ended_at,
        row_number() over (partition by agent_id order by boundary_at) as boundary_rank,
        sum(delta) over (
            partition by agent_id
            order by boundary_at
            rows between unbounded preceding and current row
        ) as open_segments
    from boundaries
),

segment_ranks as (
    select
        segments.*,
        starts.boundary_rank as start_rank,
        ends.boundary_rank as end_rank
    from segments
    inner join elementary as starts
        on starts.agent_id = segments.agent_id
        and starts.piece_started_at = segments.started_at
    inner join elementary as ends
        on ends.agent_id = segments.agent_id
        and ends.piece_started_at = segments.ended_at
),

segment_pieces as (
    select
        segment_ranks.*,
        expanded.piece_rank
    from segment_ranks
    cross join {{ asyncwfm.expand_integer_range('segment_ranks.start_rank', 'segment_ranks.end_rank', 'piece_rank') }}
),

pieces as (
    select
        segment_pieces.*,
        elementary.piece_started_at,
        elementary.piece_ended_at,
        elementary.open_segments
    from segment_pieces
    inner join elementary
        on elementary.agent_id = segment_pieces.agent_id
        and elementary.boundary_rank = segment_pieces.piece_rank
),

final as (
    select
        {{ dbt.concat(['pieces.segment_id', "'@'", dbt.cast('pieces.piece_rank - pieces.start_rank', dbt.type_string())]) }} as piece_id,
        pieces.agent_id,
        pieces.segment_id,
        pieces.channel,
        pieces.item_id,
        pieces.activity,
        pieces.piece_started_at as started_at,
        pieces.piece_ended_at as ended_at,
        {{ asyncwfm.seconds_between('pieces.piece_started_at', 'pieces.piece_ended_at') }} as piece_seconds,
        cast(pieces.open_segments as {{ dbt.type_bigint() }}) as concurrent_items,
        policies.concurrency_mode,
        case
            when policies.concurrency_mode = 'apportioned'
                then {{ asyncwfm.seconds_between('pieces.piece_started_at', 'pieces.piece_ended_at') }} / cast(pieces.open_segments as {{ asyncwfm.type_double() }})
            else {{ asyncwfm.seconds_between('pieces.piece_started_at', 'pieces.piece_ended_at') }}
        end as handle_seconds,
        pieces.is_from_cdr,
        pieces.message_key,
        pieces.thread_id,
        pieces.session_id,
        pieces.contact_id,
        pieces.journey_id,
        pieces.queue_id,
        policies.policy_version
    from pieces
    inner join policies
        on policies.channel = pieces.channel
    where {{ asyncwfm.in_refresh_scope('pieces.segment_id', refresh_pieces, 'segment_id') }}
)

select * from final
