{#
    SPEC §5 invariant: with handle_time_basis = active, the total handle time is the same whatever the
    contact_unit. The three totals are computed from the work model (grouped by message, session and thread
    and summed), and compared with the marts (threads, sessions, contacts' active handle). Returns a row per
    total that differs from the per-message total by more than 1 ms.
#}
with

work as (
    select * from {{ ref('int_work_apportioned') }}
    where message_key is not null
),

by_message as (
    select sum(handle_seconds) as total from (
        select message_key, sum(handle_seconds) as handle_seconds from work group by message_key
    ) as per_message
),

by_session as (
    select sum(handle_seconds) as total from (
        select session_id, sum(handle_seconds) as handle_seconds from work group by session_id
    ) as per_session
),

by_thread as (
    select sum(handle_seconds) as total from (
        select thread_id, sum(handle_seconds) as handle_seconds from work group by thread_id
    ) as per_thread
),

totals as (
    select 'work by session' as approach, total from by_session
    union all
    select 'work by thread', total from by_thread
    union all
    select 'fct_sessions', sum(handle_seconds) from {{ ref('fct_sessions') }}
    union all
    select 'fct_threads', sum(handle_seconds) from {{ ref('fct_threads') }}
    union all
    select 'fct_contacts active', sum(active_handle_seconds) from {{ ref('fct_contacts') }}
)

select
    totals.approach,
    totals.total,
    by_message.total as total_by_message
from totals
cross join by_message
where abs(coalesce(totals.total, 0) - coalesce(by_message.total, 0)) > 0.001
