{# One row per session: a burst of a thread's messages with no gap above session_gap_minutes (SPEC §3). #}
{{ asyncwfm.conversation_summary('session_id') }}

select * from summary
