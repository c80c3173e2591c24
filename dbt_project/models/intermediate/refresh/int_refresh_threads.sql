{#
    Refresh scope (issue 9): the threads whose sessions may change in this refresh — the thread, old and new, of
    every message that is new or whose threading columns differ from the stored int_sessions_split (a reply that
    joins an old thread, a late file, a customer identity resolved later), and the chat threads with chat events
    from new files (joins, leaves, transfers bridge session gaps). Empty in a full build.
    See macros/incremental/refresh_scope.sql and DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_threads_assigned') }}, {{ ref('stg_chat__events') }}, {{ ref('int_refresh_state') }}
{%- set previous = asyncwfm.previous_build_of('int_sessions_split') %}
{%- set columns = [
    'channel', 'message_id', 'item_id', 'queue_id', 'direction', 'sender_role', 'agent_id', 'customer_key',
    'customer_id', 'occurred_at', 'ended_at', 'answered_at', 'is_abandoned', 'is_agent_response', 'thread_id'
] %}

{%- if previous is not none %}

with

assigned as (
    select message_key, {{ columns | join(', ') }}
    from {{ ref('int_threads_assigned') }}
),

stored as (
    select message_key, {{ columns | join(', ') }}
    from {{ previous }}
),

changed as (
    select
        assigned.thread_id as new_thread_id,
        stored.thread_id as old_thread_id
    from assigned
    full outer join stored
        on stored.message_key = assigned.message_key
    where assigned.message_key is null
        or stored.message_key is null
        {%- for column in columns %}
        or assigned.{{ column }} is distinct from stored.{{ column }}
        {%- endfor %}
),

final as (
    select new_thread_id as thread_id from changed
    union
    select old_thread_id as thread_id from changed
    union
    select {{ dbt.concat(["'chat:'", 'chat_id']) }} as thread_id
    from {{ ref('stg_chat__events') }}
    where event_type <> 'message'
        and {{ asyncwfm.is_from_new_file('source_file') }}
)

select thread_id from final where thread_id is not null

{%- else %}

select cast(null as {{ dbt.type_string() }}) as thread_id
from {{ ref('int_threads_assigned') }}
where false

{%- endif %}
