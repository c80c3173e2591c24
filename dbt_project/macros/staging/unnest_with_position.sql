{#
    unnest_with_position(relation, array_column, value_alias, position_alias, keep_columns):
    one row per element of an array column, with its 1-based position; rows with an empty or null array
    produce nothing.
#}
{% macro unnest_with_position(relation, array_column, value_alias, position_alias, keep_columns) -%}
    {{ return(adapter.dispatch('unnest_with_position', 'asyncwfm')(relation, array_column, value_alias, position_alias, keep_columns)) }}
{%- endmacro %}

{% macro duckdb__unnest_with_position(relation, array_column, value_alias, position_alias, keep_columns) -%}
    {#- two unnests in one select list run in lockstep -#}
    select
        {%- for column in keep_columns %}
        {{ column }},
        {%- endfor %}
        unnest({{ adapter.quote(array_column) }}) as {{ value_alias }},
        unnest(generate_series(1, len({{ adapter.quote(array_column) }}))) as {{ position_alias }}
    from {{ relation }}
{%- endmacro %}

{# Spark / Databricks: posexplode gives a 0-based position. #}
{% macro spark__unnest_with_position(relation, array_column, value_alias, position_alias, keep_columns) -%}
    select
        {%- for column in keep_columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        element.{{ value_alias }},
        element.zero_based_position + 1 as {{ position_alias }}
    from {{ relation }}
    lateral view posexplode({{ relation }}.{{ adapter.quote(array_column) }}) element as zero_based_position, {{ value_alias }}
{%- endmacro %}

{% macro default__unnest_with_position(relation, array_column, value_alias, position_alias, keep_columns) -%}
    {{ asyncwfm.unsupported_adapter("unnest_with_position", "duckdb__ and spark__") }}
{%- endmacro %}
