{#
    Refresh scope (issue 9): the intervals (interval_start_utc) whose rows in agg_interval_kpis and
    agg_agent_interval may change in this refresh. The models they read kept, in schema `refresh`, the rows
    they replaced (save_replaced_rows); an interval is in scope when a replaced row and its rebuilt counterpart
    differ in what these marts read from it, counted as multisets:
    - messages (int_contacts_assigned): interval, queue, channel, direction, agent response;
    - responses: interval, queue, channel, within target;
    - contacts (fct_contacts): start interval, queue, channel, handle, abandoned, inbound count, answer times,
      and every contact of those journeys still unanswered (its service level waits for the end of the data,
      which moves; a pending contact has a pending first response, so its journey is rebuilt);
    - work split rows (int_kpi_work_split_by_interval): every column the marts read;
    - backlog waits: their whole span, before and after (an open wait runs to the end of the data);
    and the intervals of agent state spans from new files, the intervals the stored agg_interval_kpis does not
    have (the spine grew), and every interval when the queue × channel grid gained a pair. A rebuilt row that
    only changed a customer id (a customer identity resolved later) changes no interval.
    Empty in a full build. DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_journeys') }}, {{ ref('int_refresh_facts') }}, {{ ref('int_refresh_pieces') }}
-- depends_on: {{ ref('int_kpi_intervals_spined') }}, {{ ref('int_contacts_assigned') }}, {{ ref('int_responses_measured') }}
-- depends_on: {{ ref('fct_contacts') }}, {{ ref('int_kpi_work_split_by_interval') }}, {{ ref('int_kpi_backlog_waits') }}
-- depends_on: {{ ref('stg_agent_states__spans') }}, {{ ref('stg_seeds__queues') }}
{%- set previous = asyncwfm.previous_build_of('agg_interval_kpis') %}
{%- set open_end = dbt.cast("'2999-12-31 00:00:00'", api.Column.translate_type('timestamp')) %}
{%- set contact_columns = 'started_at, queue_id, channel, handle_seconds, is_abandoned, n_inbound_messages, '
    ~ 'speed_of_answer_seconds, first_response_seconds' %}
{%- set split_columns = 'interval_start_utc, agent_id, segment_id, queue_id, channel, is_attributed, '
    ~ 'handle_seconds, split_seconds, concurrent_items, started_at, ended_at' %}

{%- if previous is not none %}

with

spine as (
    select interval_start_utc, interval_end_utc from {{ ref('int_kpi_intervals_spined') }}
),

scope_journeys as (
    select journey_id from {{ ref('int_refresh_journeys') }} where journey_id is not null
),

scope_threads as (
    select thread_id from {{ ref('int_refresh_journeys') }} where thread_id is not null
),

fact_journeys as (
    select journey_id from {{ ref('int_refresh_facts') }} where journey_id is not null
),

fact_threads as (
    select thread_id from {{ ref('int_refresh_facts') }} where thread_id is not null
),

wait_rows_old as (
    select queue_id, channel, thread_id, waiting_since, waiting_until from refresh.int_kpi_backlog_waits
),

wait_rows_new as (
    select queue_id, channel, thread_id, waiting_since, waiting_until from {{ ref('int_kpi_backlog_waits') }}
    where thread_id in (select thread_id from fact_threads)
),

-- point contributions: the instant whose interval a row counts in
message_rows_old as (
    select occurred_at, queue_id, channel, direction, is_agent_response from refresh.int_contacts_assigned
),

message_rows_new as (
    select occurred_at, queue_id, channel, direction, is_agent_response from {{ ref('int_contacts_assigned') }}
    where journey_id in (select journey_id from scope_journeys)
),

response_rows_old as (
    select occurred_at, queue_id, channel, is_within_target from refresh.int_responses_measured
),

response_rows_new as (
    select occurred_at, queue_id, channel, is_within_target from {{ ref('int_responses_measured') }}
    where thread_id in (select thread_id from scope_threads)
),

contact_rows_old as (
    select {{ contact_columns }} from refresh.fct_contacts
),

contact_rows_new as (
    select {{ contact_columns }} from {{ ref('fct_contacts') }}
    where journey_id in (select journey_id from fact_journeys)
),

split_rows_old as (
    select {{ split_columns }} from refresh.int_kpi_work_split_by_interval
),

split_rows_new as (
    select {{ split_columns }} from {{ ref('int_kpi_work_split_by_interval') }}
    where segment_id in (select segment_id from {{ ref('int_refresh_pieces') }})
),

points as (
    select occurred_at as event_at from (
        {{ asyncwfm.symmetric_difference('message_rows_old', 'message_rows_new') }}
    ) as changed_messages
    union all
    select occurred_at from (
        {{ asyncwfm.symmetric_difference('response_rows_old', 'response_rows_new') }}
    ) as changed_responses
    union all
    select started_at from (
        {{ asyncwfm.symmetric_difference('contact_rows_old', 'contact_rows_new') }}
        union all
        select * from contact_rows_old
        where n_inbound_messages > 0 and coalesce(is_abandoned, false) = false
            and coalesce(speed_of_answer_seconds, first_response_seconds) is null
        union all
        select * from contact_rows_new
        where n_inbound_messages > 0 and coalesce(is_abandoned, false) = false
            and coalesce(speed_of_answer_seconds, first_response_seconds) is null
    ) as changed_contacts
),

point_intervals as (
    select distinct {{ asyncwfm.kpi_interval_start_utc('event_at') }} as interval_start_utc
    from points
    where event_at is not null
),

split_intervals as (
    select interval_start_utc from (
        {{ asyncwfm.symmetric_difference('split_rows_old', 'split_rows_new') }}
    ) as changed_split
),

-- span contributions: backlog waits (before and after) and new agent state spans
spans as (
    select waiting_since as started_at, coalesce(waiting_until, {{ open_end }}) as ended_at from (
        {{ asyncwfm.symmetric_difference('wait_rows_old', 'wait_rows_new') }}
    ) as changed_waits
    union all
    select states.started_at, coalesce(states.ended_at, states.started_at)
    from {{ ref('stg_agent_states__spans') }} as states
    where {{ asyncwfm.is_from_new_file('states.source_file') }}
),

span_intervals as (
    select spine.interval_start_utc
    from spine
    inner join spans
        on spans.started_at <= spine.interval_end_utc
        and spans.ended_at >= spine.interval_start_utc
),

new_intervals as (
    select spine.interval_start_utc
    from spine
    where spine.interval_start_utc not in (select distinct stored.interval_start_utc from {{ previous }} as stored)
),

attributed_work as (
    select queue_id, channel from {{ ref('int_kpi_work_split_by_interval') }} where is_attributed
),

queue_channels as (
    {{ asyncwfm.kpi_queue_channels(ref('stg_seeds__queues'), ref('int_contacts_assigned'), ref('fct_contacts'),
                                   'attributed_work') }}
),

grid_grew as (
    select count(*) as n_new_pairs
    from queue_channels
    where not exists (
        select 1 from {{ previous }} as stored
        where stored.queue_id = queue_channels.queue_id
            and stored.channel = queue_channels.channel
    )
),

final as (
    select interval_start_utc from point_intervals
    union
    select interval_start_utc from split_intervals
    union
    select interval_start_utc from span_intervals
    union
    select interval_start_utc from new_intervals
    union
    select spine.interval_start_utc from spine cross join grid_grew where grid_grew.n_new_pairs > 0
)

select interval_start_utc from final where interval_start_utc is not null

{%- else %}

select cast(null as {{ dbt.type_timestamp() }}) as interval_start_utc
where false

{%- endif %}
