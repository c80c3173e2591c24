{#
    Backlog at the end of each interval, per queue and channel (only intervals with a backlog): a thread is
    in the backlog at instant T = interval_end_utc when one of its inbound messages arrived before T and its
    wait (int_kpi_backlog_waits) ends after T (or never). oldest_backlog_age_seconds = T minus the arrival
    of the oldest such message.
#}
with

waits as (
    select * from {{ ref('int_kpi_backlog_waits') }}
),

intervals as (
    select * from {{ ref('int_kpi_intervals_spined') }}
),

open_at_end as (
    select
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        waits.queue_id,
        waits.channel,
        waits.thread_id,
        waits.waiting_since
    from waits
    inner join intervals
        on intervals.interval_end_utc > waits.waiting_since
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
