{#
    to_utc_timestamp(expr): ISO 8601 text -> UTC `timestamp` (no time zone).
    Text with an offset or `Z` (2026-01-05T09:00:00+02:00) is converted to UTC (2026-01-05 07:00:00);
    naive text is taken as UTC (SPEC §2), whatever the session time zone.
#}
{% macro to_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'asyncwfm')(expr)) }}
{%- endmacro %}

{#
    DuckDB: text without a zone designator (date, or date and time) is cast straight to `timestamp`; anything
    else (Z, +02, +0200, +02:00, a zone name such as Europe/Paris) goes through `timestamptz` and is converted
    to UTC. A plain cast to `timestamp` would silently drop the offset, and a cast to `timestamptz` would read
    naive text in the session time zone.
#}
{% macro duckdb__to_utc_timestamp(expr) -%}
    case
        when regexp_matches({{ expr }}, '^\s*\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?)?\s*$')
            then cast(trim({{ expr }}) as timestamp)
        else timezone('UTC', cast(trim({{ expr }}) as timestamptz))
    end
{%- endmacro %}

{#
    Engines whose cast from ISO 8601 text to a zone-less timestamp honours the offset and normalizes to UTC
    (Spark with spark.sql.session.timeZone=UTC, Trino via `from_iso8601_timestamp` needs its own macro).
#}
{% macro spark__to_utc_timestamp(expr) -%}
    {{ dbt.cast(expr, api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(expr) -%}
    {{ asyncwfm.unsupported_adapter("to_utc_timestamp", "duckdb__ and spark__") }}
{%- endmacro %}
