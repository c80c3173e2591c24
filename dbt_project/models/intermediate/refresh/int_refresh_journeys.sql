{#
    Refresh scope (issue 9): the journeys whose contacts and responses may change in this refresh, as
    (journey_id, thread_id) pairs of both the stored build (int_contacts_assigned) and the new one
    (int_journeys_linked). A journey is in scope when
    - one of its threads, old or new, is in int_refresh_threads;
    - one of its threads moved to another journey (both journeys);
    - it holds a response still pending (is_within_target null: inside its target window at the end of the
      data, which moves with every refresh).
    Contacts, sessions and threads lie inside one journey, so every row downstream of these keys is rebuilt
    whole. Empty in a full build. DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_threads') }}, {{ ref('int_journeys_linked') }}
{%- set previous = asyncwfm.previous_build_of('int_contacts_assigned') %}
{%- set previous_responses = asyncwfm.previous_build_of('int_responses_measured') %}

{%- if previous is not none and previous_responses is not none %}

with

new_threads as (
    select thread_id, journey_id from {{ ref('int_journeys_linked') }}
),

old_threads as (
    select distinct thread_id, journey_id from {{ previous }}
),

refreshed_threads as (
    select thread_id from {{ ref('int_refresh_threads') }}
),

pending_threads as (
    select distinct thread_id from {{ previous_responses }}
    where is_within_target is null
),

moved_threads as (
    select new_threads.journey_id as new_journey_id, old_threads.journey_id as old_journey_id
    from new_threads
    inner join old_threads on old_threads.thread_id = new_threads.thread_id
    where new_threads.journey_id <> old_threads.journey_id
),

journeys as (
    select new_threads.journey_id
    from new_threads
    inner join refreshed_threads on refreshed_threads.thread_id = new_threads.thread_id
    union
    select old_threads.journey_id
    from old_threads
    inner join refreshed_threads on refreshed_threads.thread_id = old_threads.thread_id
    union
    select old_threads.journey_id
    from old_threads
    inner join pending_threads on pending_threads.thread_id = old_threads.thread_id
    union
    select new_journey_id from moved_threads
    union
    select old_journey_id from moved_threads
),

final as (
    select new_threads.journey_id, new_threads.thread_id
    from new_threads
    where new_threads.journey_id in (select journey_id from journeys)
    union
    select old_threads.journey_id, old_threads.thread_id
    from old_threads
    where old_threads.journey_id in (select journey_id from journeys)
)

select journey_id, thread_id from final

{%- else %}

select
    cast(null as {{ dbt.type_string() }}) as journey_id,
    cast(null as {{ dbt.type_string() }}) as thread_id
where false

{%- endif %}
