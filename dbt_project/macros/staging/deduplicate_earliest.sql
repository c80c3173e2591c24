{#
    deduplicate_earliest(relation, partition_by): the rows of `relation` (a CTE name) keeping, per
    `partition_by` key, the earliest ingested row (_ingested_at, then _file, then _line).
    A window in a subquery rather than QUALIFY, which not every engine has. Adds dedup_row_number: the
    model's final select lists its columns and leaves it out.
#}
{% macro deduplicate_earliest(relation, partition_by) -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ partition_by }}
                order by _ingested_at, _file, _line
            ) as dedup_row_number
        from {{ relation }}
    ) as ranked
    where dedup_row_number = 1
{%- endmacro %}
