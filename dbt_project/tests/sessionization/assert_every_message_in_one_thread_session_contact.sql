{#
    Every message belongs to exactly one thread, one session and one contact: no message lost or duplicated
    between the unified messages and the assigned ones, no null id, and a session never spans two threads nor a
    contact two sessions of different contacts. Returns the offending messages.
#}
with

unified as (
    select message_key from {{ ref('int_messages_unified') }}
),

assigned as (
    select * from {{ ref('int_contacts_assigned') }}
),

counts as (
    select message_key, count(*) as n_rows
    from assigned
    group by message_key
),

session_threads as (
    select session_id, count(distinct thread_id) as n_threads
    from assigned
    group by session_id
)

select unified.message_key, 'missing' as problem
from unified
left join counts
    on counts.message_key = unified.message_key
where counts.message_key is null

union all

select message_key, 'duplicated' as problem
from counts
where n_rows > 1

union all

select message_key, 'null id' as problem
from assigned
where thread_id is null or session_id is null or contact_id is null

union all

select assigned.message_key, 'session in several threads' as problem
from assigned
inner join session_threads
    on session_threads.session_id = assigned.session_id
where session_threads.n_threads > 1
