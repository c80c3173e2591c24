{#
    latest_message_at_or_before(segments, at_column, messages, name): CTE definitions, to sit in a model's `with`
    list, ending in the CTE `name`: every row of `segments` (which has segment_id, session_id and the timestamp
    `at_column`) with message_key = the message of its session (rows of `messages`: session_id, occurred_at,
    message_key) with the latest occurred_at <= at_column, ties → the smallest message_key; null when there is
    none. `segments` and `messages` are relation or CTE names; the helper CTEs are named `<name>__*`.
    Neither version builds the segment × session-messages product: messages are reduced to one key per
    (session_id, occurred_at) — the smallest, which is the tie-break — so a segment only needs the latest such
    time at or before its own. DuckDB finds it with an ASOF join; the portable default__ carries a running max
    of message times over the session's timeline of messages and segments (at the same instant the message
    sorts first, so "at or before" holds) and joins the time back to its key.
#}
{% macro latest_message_at_or_before(segments, at_column, messages, name) -%}
    {{ return(adapter.dispatch('latest_message_at_or_before', 'asyncwfm')(segments, at_column, messages, name)) }}
{%- endmacro %}

{% macro _latest_message_times(messages, name) -%}
{{ name }}__message_times as (
    select session_id, occurred_at, min(message_key) as message_key
    from {{ messages }}
    where occurred_at is not null
    group by session_id, occurred_at
)
{%- endmacro %}

{% macro duckdb__latest_message_at_or_before(segments, at_column, messages, name) -%}
{{ asyncwfm._latest_message_times(messages, name) }},

{{ name }} as (
    select
        {{ name }}__segments.*,
        {{ name }}__message_times.message_key
    from {{ segments }} as {{ name }}__segments
    asof left join {{ name }}__message_times
        on {{ name }}__message_times.session_id = {{ name }}__segments.session_id
        and {{ name }}__segments.{{ at_column }} >= {{ name }}__message_times.occurred_at
)
{%- endmacro %}

{% macro default__latest_message_at_or_before(segments, at_column, messages, name) -%}
{{ asyncwfm._latest_message_times(messages, name) }},

{{ name }}__timeline as (
    select
        session_id,
        occurred_at as event_at,
        0 as event_order,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        occurred_at as message_at
    from {{ name }}__message_times
    union all
    select
        session_id,
        {{ at_column }} as event_at,
        1 as event_order,
        segment_id,
        cast(null as {{ dbt.type_timestamp() }}) as message_at
    from {{ segments }}
    where session_id is not null
),

{{ name }}__carried as (
    select
        segment_id,
        session_id,
        event_order,
        case
            when event_at is not null then max(message_at) over (
                partition by session_id
                order by event_at, event_order
                rows between unbounded preceding and current row
            )
        end as last_message_at
    from {{ name }}__timeline
),

{{ name }} as (
    select
        {{ name }}__segments.*,
        {{ name }}__message_times.message_key
    from {{ segments }} as {{ name }}__segments
    left join {{ name }}__carried
        on {{ name }}__carried.segment_id = {{ name }}__segments.segment_id
        and {{ name }}__carried.event_order = 1
    left join {{ name }}__message_times
        on {{ name }}__message_times.session_id = {{ name }}__carried.session_id
        and {{ name }}__message_times.occurred_at = {{ name }}__carried.last_message_at
)
{%- endmacro %}
