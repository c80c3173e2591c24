{#
    Refresh scope (issue 9): the local days (contact_date) whose rows in agg_policy_comparison may change in this
    refresh. That mart counts message, session, thread and journey units, each dated by its first event (a
    message or a work piece) and lying inside one journey. The rebuilt messages and work pieces were kept in
    schema `refresh` as they were (save_replaced_rows); a journey is in scope, under its old and its new id,
    when one of its rows differs in what the mart reads (ids, channel, times, handle), counted as multisets;
    its days are the days of all its events, before and after (message and segment times never change between
    two builds, so these are the days its units can move between). A row that only changed a customer id (an
    identity resolved later) changes no day. Empty in a full build. DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_journeys') }}, {{ ref('int_refresh_pieces') }}, {{ ref('int_contacts_assigned') }}
-- depends_on: {{ ref('int_work_apportioned') }}
{%- set previous = asyncwfm.previous_build_of('agg_policy_comparison') %}
{%- set message_columns = 'message_key, session_id, thread_id, journey_id, channel, occurred_at, ended_at' %}
{%- set piece_columns = 'piece_id, message_key, session_id, thread_id, journey_id, channel, started_at, ended_at, '
    ~ 'handle_seconds' %}

{%- if previous is not none %}

with

message_rows_old as (
    select {{ message_columns }} from refresh.int_contacts_assigned
),

message_rows_new as (
    select {{ message_columns }} from {{ ref('int_contacts_assigned') }}
    where journey_id in (select journey_id from {{ ref('int_refresh_journeys') }} where journey_id is not null)
),

piece_rows_old as (
    select {{ piece_columns }} from refresh.int_work_apportioned where message_key is not null
),

piece_rows_new as (
    select {{ piece_columns }} from {{ ref('int_work_apportioned') }}
    where message_key is not null
        and segment_id in (select segment_id from {{ ref('int_refresh_pieces') }})
),

changed_journeys as (
    select journey_id from (
        {{ asyncwfm.symmetric_difference('message_rows_old', 'message_rows_new') }}
    ) as changed_messages
    union
    select journey_id from (
        {{ asyncwfm.symmetric_difference('piece_rows_old', 'piece_rows_new') }}
    ) as changed_pieces
),

event_times as (
    select occurred_at as event_at from message_rows_old
    where journey_id in (select journey_id from changed_journeys)
    union all
    select occurred_at from {{ ref('int_contacts_assigned') }}
    where journey_id in (select journey_id from changed_journeys)
    union all
    select started_at from piece_rows_old
    where journey_id in (select journey_id from changed_journeys)
    union all
    select started_at from {{ ref('int_work_apportioned') }}
    where journey_id in (select journey_id from changed_journeys)
)

select distinct cast({{ asyncwfm.kpi_utc_to_local('event_at') }} as date) as interval_date
from event_times
where event_at is not null

{%- else %}

select cast(null as date) as interval_date
where false

{%- endif %}
