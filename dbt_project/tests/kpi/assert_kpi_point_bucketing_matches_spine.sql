{#
    Point events are bucketed by formula (kpi_interval_start_utc), durations by a range join on the spine: both
    must agree. Every message's computed interval must be a spine interval that contains the message.
    Returns the messages that disagree.
#}
with

messages as (
    select
        message_key,
        occurred_at,
        {{ asyncwfm.kpi_interval_start_utc('occurred_at') }} as interval_start_utc
    from {{ ref('int_contacts_assigned') }}
),

intervals as (
    select * from {{ ref('int_kpi_intervals_spined') }}
)

select
    messages.message_key,
    messages.occurred_at,
    messages.interval_start_utc
from messages
left join intervals
    on intervals.interval_start_utc = messages.interval_start_utc
where intervals.interval_start_utc is null
    or not (messages.occurred_at >= intervals.interval_start_utc and messages.occurred_at < intervals.interval_end_utc)
