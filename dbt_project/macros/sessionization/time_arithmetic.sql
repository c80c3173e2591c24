{#
    Seconds between two UTC timestamps as a double (sub-second precision kept, unlike dbt.datediff which
    counts whole boundaries), and a timestamp plus a (fractional) number of seconds. DuckDB-specific
    functions stay here; the default__ versions fall back to dbt's cross-database macros.
#}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between', 'asyncwfm')(start_at, end_at)) }}
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    (epoch({{ end_at }}) - epoch({{ start_at }}))
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    cast({{ dbt.datediff(start_at, end_at, 'second') }} as {{ asyncwfm.type_double() }})
{%- endmacro %}

{% macro add_seconds(ts, seconds) -%}
    {{ return(adapter.dispatch('add_seconds', 'asyncwfm')(ts, seconds)) }}
{%- endmacro %}

{% macro duckdb__add_seconds(ts, seconds) -%}
    ({{ ts }} + to_microseconds(cast(round(({{ seconds }}) * 1000000) as bigint)))
{%- endmacro %}

{% macro default__add_seconds(ts, seconds) -%}
    {{ dbt.dateadd('second', seconds, ts) }}
{%- endmacro %}

{#
    expand_integer_range(lo, hi, alias): a table expression (for a lateral cross join) yielding one row per
    integer lo ≤ i < hi in column `alias`.
#}
{% macro expand_integer_range(lo, hi, alias) -%}
    {{ return(adapter.dispatch('expand_integer_range', 'asyncwfm')(lo, hi, alias)) }}
{%- endmacro %}

{% macro duckdb__expand_integer_range(lo, hi, alias) -%}
    unnest(range({{ lo }}, {{ hi }})) as expanded({{ alias }})
{%- endmacro %}

{% macro postgres__expand_integer_range(lo, hi, alias) -%}
    generate_series({{ lo }}, {{ hi }} - 1) as expanded({{ alias }})
{%- endmacro %}

{% macro default__expand_integer_range(lo, hi, alias) -%}
    {{ asyncwfm.unsupported_adapter("expand_integer_range", "duckdb__ and postgres__") }}
{%- endmacro %}
