{#
    Every message belongs to exactly one thread, one session and one contact: no message lost or duplicated
    between the unified messages and the assigned ones, no null id, and a session never spans two threads nor a
    contact two sessions of different contacts. Returns the offending messages.
    In an incremental refresh (issue 9) the duplicate and session checks count the rows sharing a message or
    session with a row of the rebuilt journeys (asyncwfm.rows_to_judge). The check for missing messages stays
    global: a message dropped from the stored table leaves no row to find it by, so only the anti-join of every
    message proves none is missing; so does the null check (a column scan, cheaper than finding the rows).
#}
{%- set incremental = asyncwfm.refresh_was_incremental() %}
{%- set contacts_assigned = ref('int_contacts_assigned') %}

with

unified as (
    select message_key from {{ ref('int_messages_unified') }}
),

assigned as (
    select * from {{ contacts_assigned }}
),

counts as (
    select message_key, count(*) as n_rows
    from {{ asyncwfm.rows_to_judge(contacts_assigned, ['message_key'], incremental=incremental) }} as same_message
    group by message_key
),

same_session as (
    select *
    from {{ asyncwfm.rows_to_judge(contacts_assigned, ['session_id'], incremental=incremental) }} as rows_of_sessions
),

session_threads as (
    select session_id, count(distinct thread_id) as n_threads
    from same_session
    group by session_id
)

select unified.message_key, 'missing' as problem
from unified
left join assigned
    on assigned.message_key = unified.message_key
where assigned.message_key is null

union all

select message_key, 'duplicated' as problem
from counts
where n_rows > 1

union all

select message_key, 'null id' as problem
from assigned
where thread_id is null or session_id is null or contact_id is null

union all

select same_session.message_key, 'session in several threads' as problem
from same_session
inner join session_threads
    on session_threads.session_id = same_session.session_id
where session_threads.n_threads > 1
