{# Every contact, thread, session and journey of the assigned messages has exactly its one mart row. #}
with

assigned as (
    select * from {{ ref('int_contacts_assigned') }}
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
    union all
    select 'fct_threads', count(*) from {{ ref('fct_threads') }}
    union all
    select 'fct_sessions', count(*) from {{ ref('fct_sessions') }}
    union all
    select 'fct_journeys', count(*) from {{ ref('fct_journeys') }}
)

select expected.mart, expected.n as expected_rows, actual.n as actual_rows
from expected
inner join actual
    on actual.mart = expected.mart
where expected.n <> actual.n
