{#
    Refresh scope (issue 9): the journeys whose contact, session, thread and journey facts may change in this
    refresh — those of int_refresh_journeys (their messages or responses changed) and those whose agent work
    pieces changed (int_refresh_pieces, before and after) — with their threads in the new build. The facts of a
    contact, session or thread read only rows of its own journey. Empty in a full build.
    DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_journeys') }}, {{ ref('int_refresh_pieces') }}, {{ ref('int_contacts_assigned') }}
{%- set previous = asyncwfm.previous_build_of('fct_contacts') %}

{%- if previous is not none %}

with

journeys as (
    select journey_id from {{ ref('int_refresh_journeys') }}
    union
    select journey_id from {{ ref('int_refresh_pieces') }}
),

final as (
    select journey_id, cast(null as {{ dbt.type_string() }}) as thread_id
    from journeys
    where journey_id is not null
    union
    select distinct messages.journey_id, messages.thread_id
    from {{ ref('int_contacts_assigned') }} as messages
    where messages.journey_id in (select journey_id from journeys)
    union
    -- the threads of the stored build too (int_kpi_backlog_waits deletes by thread)
    select journey_id, thread_id from {{ ref('int_refresh_journeys') }}
)

select journey_id, thread_id from final

{%- else %}

select
    cast(null as {{ dbt.type_string() }}) as journey_id,
    cast(null as {{ dbt.type_string() }}) as thread_id
where false

{%- endif %}
