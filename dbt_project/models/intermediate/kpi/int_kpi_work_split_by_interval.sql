{#
    One row per work piece (int_work_apportioned) and interval it overlaps (SPEC §6: work is attributed to the
    interval in which it was performed). A piece crossing a boundary is cut at it; its handle_seconds are
    split in proportion to the wall-clock seconds on each side (concurrency is constant inside a piece, so
    the proportional split is exact). is_attributed: the piece belongs to a contact (its item matched a
    message); unattributed work counts for the agent, not for any queue.

    Bucketing by arithmetic, not a range join (DECISIONLOG "Interval bucketing by arithmetic"): the spine is a
    fixed UTC grid, so a piece [started_at, ended_at) touches the grid intervals floor(s / step) ..
    floor(e / step) (s, e: seconds since the spine's first interval). That integer range, clipped to the spine,
    is expanded (expand_integer_range) and equi-joined to the spine on the index; the original overlap
    predicates stay as a residual filter, so the range only has to be a superset (it has one extra candidate
    when the piece ends exactly on a boundary). Pieces outside the spine get no row, as with the range join.
#}
{{ asyncwfm.refresh_by_scope('segment_id', 'int_refresh_pieces', save_replaced=true) }}
{#- incremental (issue 9): a piece's rows depend only on the piece and the UTC grid of local interval
    boundaries (one lattice, wherever the spine starts); the pieces of the segments in int_refresh_pieces are
    deleted and rebuilt #}
with

work as (
    select * from {{ ref('int_work_apportioned') }}
    where {{ asyncwfm.in_refresh_scope('segment_id', ref('int_refresh_pieces'), 'segment_id') }}
),

{{ asyncwfm.kpi_indexed_intervals() }},

work_ranges as (
    select
        work.*,
        {{ asyncwfm.kpi_span_interval_indexes('work.started_at', 'work.ended_at') }}
    from work
    cross join grid
),

work_candidates as (
    select
        work_ranges.*,
        expanded.interval_index
    from work_ranges
    cross join {{ asyncwfm.expand_integer_range(
        'work_ranges.first_interval_index', 'work_ranges.end_interval_index', 'interval_index'
    ) }}
),

split as (
    select
        work.piece_id,
        work.agent_id,
        work.segment_id,
        work.channel,
        work.queue_id,
        work.item_id,
        work.activity,
        work.message_key,
        work.thread_id,
        work.session_id,
        work.contact_id,
        work.journey_id,
        work.concurrency_mode,
        work.is_from_cdr,
        cast(work.concurrent_items as {{ dbt.type_int() }}) as concurrent_items,
        work.piece_seconds,
        work.handle_seconds as piece_handle_seconds,
        intervals.interval_start_utc,
        case when work.started_at > intervals.interval_start_utc then work.started_at else intervals.interval_start_utc end
            as started_at,
        case when work.ended_at < intervals.interval_end_utc then work.ended_at else intervals.interval_end_utc end
            as ended_at,
        work.policy_version
    from work_candidates as work
    inner join indexed_intervals as intervals
        on intervals.interval_index = work.interval_index
        and intervals.interval_start_utc < work.ended_at
        and intervals.interval_end_utc > work.started_at
),

final as (
    select
        piece_id,
        interval_start_utc,
        agent_id,
        segment_id,
        channel,
        queue_id,
        item_id,
        activity,
        message_key,
        thread_id,
        session_id,
        contact_id,
        journey_id,
        contact_id is not null as is_attributed,
        concurrency_mode,
        is_from_cdr,
        concurrent_items,
        started_at,
        ended_at,
        {{ asyncwfm.seconds_between('started_at', 'ended_at') }} as split_seconds,
        case
            when piece_seconds > 0
                then piece_handle_seconds * {{ asyncwfm.seconds_between('started_at', 'ended_at') }} / piece_seconds
            else 0
        end as handle_seconds,
        policy_version
    from split
)

select * from final
