{#
    Every contact, thread, session and journey of the assigned messages has exactly its one mart row.
    In an incremental refresh (issue 9) the counts are those of the journeys of int_refresh_facts: a contact,
    session and thread lie inside one journey, the marts rebuild exactly those journeys and int_contacts_assigned
    only journeys among them, so the rows of every other journey are the ones the last build counted.
#}
{%- set in_rebuilt_journeys = asyncwfm.judged_in_refresh('journey_id', ref('int_refresh_facts'), 'journey_id') %}
with

assigned as (
    select * from {{ ref('int_contacts_assigned') }}
    where {{ in_rebuilt_journeys }}
),

expected as (
    select 'fct_contacts' as mart, count(distinct contact_id) as n from assigned
    union all
    select 'fct_threads', count(distinct thread_id) from assigned
    union all
    select 'fct_sessions', count(distinct session_id) from assigned
    union all
    select 'fct_journeys', count(distinct journey_id) from assigned
),

actual as (
    select 'fct_contacts' as mart, count(*) as n from {{ ref('fct_contacts') }}
    where {{ in_rebuilt_journeys }}
    union all
    select 'fct_threads', count(*) from {{ ref('fct_threads') }}
    where {{ in_rebuilt_journeys }}
    union all
    select 'fct_sessions', count(*) from {{ ref('fct_sessions') }}
    where {{ in_rebuilt_journeys }}
    union all
    select 'fct_journeys', count(*) from {{ ref('fct_journeys') }}
    where {{ in_rebuilt_journeys }}
)

select expected.mart, expected.n as expected_rows, actual.n as actual_rows
from expected
inner join actual
    on actual.mart = expected.mart
where expected.n <> actual.n
