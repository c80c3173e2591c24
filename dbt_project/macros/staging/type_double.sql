{#
    type_double(): a 64-bit floating point type. dbt.type_float() renders `float`, which DuckDB (like
    Postgres' `real`) reads as a 32-bit REAL: 0.8 would become 0.800000011920929.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'asyncwfm')()) }}
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{# float is 64-bit on Snowflake, BigQuery (float64 via translate_type), Trino uses double. #}
{% macro default__type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}
