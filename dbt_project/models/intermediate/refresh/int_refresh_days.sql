{#
    Refresh scope (issue 9): the local days (interval_date) whose interval and daily KPI rows may change in this
    refresh. Message, call, segment and state times never change between two builds (staging only appends), so
    the rows a rebuilt journey or segment contributed before lie on the same days as the rows it contributes
    now. A day is in scope when it holds
    - an event of a journey of int_refresh_facts (its messages; the segments attributed to it), or a segment of
      int_refresh_pieces (their spans: pieces, agent busy time);
    - part of a backlog wait of those journeys' threads, before (int_refresh_waits_before) or after (an open
      wait runs to the end of the data);
    - part of an agent state span from a new landing file;
    - no row of the stored agg_interval_kpis (the spine grew: a new day at either end);
    and every day is in scope when the queue × channel grid of agg_interval_kpis gained a pair.
    The end of the data moves too: it changes a contact's or response's service-level state only while it is
    pending, and those journeys are in int_refresh_journeys. Empty in a full build.
    DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_facts') }}, {{ ref('int_refresh_pieces') }}, {{ ref('int_refresh_waits_before') }}
-- depends_on: {{ ref('int_kpi_intervals_spined') }}, {{ ref('int_contacts_assigned') }}, {{ ref('int_work_attributed') }}
-- depends_on: {{ ref('int_kpi_backlog_waits') }}, {{ ref('stg_agent_states__spans') }}, {{ ref('stg_seeds__queues') }}
-- depends_on: {{ ref('fct_contacts') }}, {{ ref('int_kpi_work_split_by_interval') }}
{%- set previous = asyncwfm.previous_relation('marts', 'agg_interval_kpis') %}
{%- set open_end = dbt.cast("'2999-12-31 00:00:00'", api.Column.translate_type('timestamp')) %}

{%- if asyncwfm.refresh_is_incremental(previous) %}

with

days as (
    select
        interval_date,
        min(interval_start_utc) as day_started_at,
        max(interval_end_utc) as day_ended_at
    from {{ ref('int_kpi_intervals_spined') }}
    group by interval_date
),

journeys as (
    select distinct journey_id from {{ ref('int_refresh_facts') }} where journey_id is not null
),

threads as (
    select distinct thread_id from {{ ref('int_refresh_facts') }} where thread_id is not null
),

spans as (
    select messages.occurred_at as started_at, coalesce(messages.ended_at, messages.occurred_at) as ended_at
    from {{ ref('int_contacts_assigned') }} as messages
    where messages.journey_id in (select journey_id from journeys)
    union all
    select segments.started_at, segments.ended_at
    from {{ ref('int_work_attributed') }} as segments
    where segments.is_valid
        and (
            segments.journey_id in (select journey_id from journeys)
            or segments.segment_id in (select segment_id from {{ ref('int_refresh_pieces') }})
        )
    union all
    select waiting_since, coalesce(waiting_until, {{ open_end }}) from {{ ref('int_refresh_waits_before') }}
    union all
    select waits.waiting_since, coalesce(waits.waiting_until, {{ open_end }})
    from {{ ref('int_kpi_backlog_waits') }} as waits
    where waits.thread_id in (select thread_id from threads)
    union all
    select states.started_at, coalesce(states.ended_at, states.started_at)
    from {{ ref('stg_agent_states__spans') }} as states
    where {{ asyncwfm.is_from_new_file('states.source_file') }}
),

stored_days as (
    select distinct interval_date from {{ previous }}
),

queue_channels as (
    select queue_id, channel from {{ ref('stg_seeds__queues') }}
    union
    select queue_id, channel from {{ ref('int_contacts_assigned') }} where queue_id is not null
    union
    select queue_id, channel from {{ ref('fct_contacts') }} where queue_id is not null
    union
    select queue_id, channel from {{ ref('int_kpi_work_split_by_interval') }} where queue_id is not null
),

new_pairs as (
    select count(*) as n_new_pairs
    from queue_channels
    where not exists (
        select 1 from {{ previous }} as stored
        where stored.queue_id = queue_channels.queue_id
            and stored.channel = queue_channels.channel
    )
),

final as (
    select days.interval_date
    from days
    where exists (
        select 1 from spans
        where spans.started_at <= days.day_ended_at
            and spans.ended_at >= days.day_started_at
    )
    union
    select days.interval_date
    from days
    where days.interval_date not in (select interval_date from stored_days)
    union
    select days.interval_date
    from days
    cross join new_pairs
    where new_pairs.n_new_pairs > 0
)

select interval_date from final

{%- else %}

select cast(null as date) as interval_date
where false

{%- endif %}
