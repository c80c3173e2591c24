{#
    Backlog at the end of each interval, per queue and channel (only intervals with a backlog): a thread is
    in the backlog at instant T = interval_end_utc when one of its inbound messages arrived before T and its
    wait (int_kpi_backlog_waits) ends after T (or never). oldest_backlog_age_seconds = T minus the arrival
    of the oldest such message.

    Bucketing by arithmetic, not a range join (DECISIONLOG "Interval bucketing by arithmetic"): interval k of
    the fixed UTC grid ends at T_k = grid start + (k + 1) * step, so T_k > waiting_since holds from
    k = floor(s / step) on and waiting_until > T_k at most up to k < floor(u / step) (s, u: seconds since the
    spine's first interval; a still-open wait runs to the end of the spine). That integer range, clipped to the
    spine, is expanded (expand_integer_range) and equi-joined to the spine on the index; the original strict
    inequalities stay as a residual filter (they drop the one extra candidate of a wait ending exactly at an
    interval end). Waits outside the spine get no row, as with the range join.
#}
with

waits as (
    select * from {{ ref('int_kpi_backlog_waits') }}
),

{{ asyncwfm.kpi_indexed_intervals() }},

wait_ranges as (
    select
        waits.queue_id,
        waits.channel,
        waits.thread_id,
        waits.waiting_since,
        waits.waiting_until,
        greatest({{ asyncwfm.kpi_interval_index('grid.grid_start_at', 'waits.waiting_since') }}, 0)
            as first_interval_index,
        case
            when waits.waiting_until is null then grid.grid_end_index
            else least(
                {{ asyncwfm.kpi_interval_index('grid.grid_start_at', 'waits.waiting_until') }},
                grid.grid_end_index
            )
        end as end_interval_index
    from waits
    cross join grid
),

wait_candidates as (
    select
        wait_ranges.*,
        expanded.interval_index
    from wait_ranges
    cross join {{ asyncwfm.expand_integer_range(
        'wait_ranges.first_interval_index', 'wait_ranges.end_interval_index', 'interval_index'
    ) }}
),

open_at_end as (
    select
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        waits.queue_id,
        waits.channel,
        waits.thread_id,
        waits.waiting_since
    from wait_candidates as waits
    inner join indexed_intervals as intervals
        on intervals.interval_index = waits.interval_index
        and intervals.interval_end_utc > waits.waiting_since
        and coalesce(waits.waiting_until, {{ dbt.cast("'2999-12-31 00:00:00'", api.Column.translate_type('timestamp')) }})
            > intervals.interval_end_utc
),

final as (
    select
        interval_start_utc,
        queue_id,
        channel,
        count(distinct thread_id) as backlog_end,
        count(*) as backlog_messages_end,
        max({{ asyncwfm.seconds_between('waiting_since', 'interval_end_utc') }}) as oldest_backlog_age_seconds
    from open_at_end
    group by interval_start_utc, queue_id, channel
)

select * from final
