{# sha256_hex(expr): lower-case hex SHA-256 of a string expression. #}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'asyncwfm')(expr)) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{# Spark, Databricks, Snowflake and others spell it sha2(x, 256). #}
{% macro default__sha256_hex(expr) -%}
    lower(sha2({{ expr }}, 256))
{%- endmacro %}
