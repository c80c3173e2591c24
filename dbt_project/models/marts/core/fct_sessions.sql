{# One row per session: a burst of a thread's messages with no gap above session_gap_minutes (SPEC §3). #}
{{ asyncwfm.refresh_by_scope('journey_id', 'int_refresh_facts') }}
{#- incremental (issue 9): the facts of the journeys in int_refresh_facts are deleted and rebuilt from the rows of
    those journeys only #}
{{ asyncwfm.conversation_summary('session_id') }}

select * from summary
