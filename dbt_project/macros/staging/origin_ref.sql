{#
    origin_ref `<channel>:<id>` split at the first colon (the id may itself contain colons).
    Null when the value is null or has no channel prefix.
#}
{% macro origin_ref_channel(expr) -%}
    case
        when {{ dbt.position("':'", expr) }} > 1
            then lower(trim({{ dbt.split_part(expr, "':'", 1) }}))
    end
{%- endmacro %}

{% macro origin_ref_item_id(expr) -%}
    case
        when {{ dbt.position("':'", expr) }} > 1
            then nullif(
                trim({{ dbt.right(expr, dbt.length(expr) ~ ' - ' ~ dbt.position("':'", expr)) }}),
                ''
            )
    end
{%- endmacro %}
