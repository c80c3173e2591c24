{#
    SPEC §5 invariant, on agg_policy_comparison: with handle_time_basis = active the total handle time is the
    same whatever the contact unit — only contacts and AHT change. Compared over the whole table for all four
    active approaches (journeys move cross-channel work to the starting channel, and a contact's day depends on
    its unit), and per channel for message/session/thread. Returns a row per disagreeing total.
#}
with

comparison as (
    select * from {{ ref('agg_policy_comparison') }}
    where handle_time_basis = 'active'
),

overall as (
    select 'all channels' as scope, approach, sum(handle_seconds) as handle_seconds
    from comparison
    group by approach
),

per_channel as (
    select channel as scope, approach, sum(handle_seconds) as handle_seconds
    from comparison
    where contact_unit in ('message', 'session', 'thread')
    group by channel, approach
),

totals as (
    select * from overall
    union all
    select * from per_channel
),

spread as (
    select
        scope,
        min(handle_seconds) as min_handle_seconds,
        max(handle_seconds) as max_handle_seconds
    from totals
    group by scope
)

select *
from spread
where max_handle_seconds - min_handle_seconds > 1e-6 + 1e-9 * abs(max_handle_seconds)
