{#
    Generic data tests for numeric bounds. Rows fail when the value is null-free and out of range.

    positive:  value > 0
    in_range:  min_value <(=) value <(=) max_value; either bound may be omitted;
               min_inclusive / max_inclusive default to true.
#}
{% test positive(model, column_name) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
        and not ({{ column_name }} > 0)
{% endtest %}

{% test in_range(model, column_name, min_value=none, max_value=none, min_inclusive=true, max_inclusive=true) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
        and not (
            1 = 1
            {%- if min_value is not none %}
            and {{ column_name }} {{ '>=' if min_inclusive else '>' }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            and {{ column_name }} {{ '<=' if max_inclusive else '<' }} {{ max_value }}
            {%- endif %}
        )
{% endtest %}
