{#
    only_new_raw_rows(alias, keys): the WHERE clause that makes a staging model incremental (issue 9).
    Full build (first run, or `dbt build --full-refresh`): nothing, every raw row is read.
    Incremental build: only raw rows of files the model has not seen yet (`_file` not among the target's
    `source_file`s; raw is append-only, ingestion keeps a file ledger) whose id is not already in the target.
    Why this equals a full rebuild: the target holds, per id, the earliest ingested row (deduplicate_earliest);
    every row already in raw when the target was built was ingested before any new row, so for an id already
    in the target the kept row cannot change, and every raw row of an id *not* in the target is in a new file
    (a row of an old file either won its id — then the id is in the target — or lost it to a row that is).
    The new rows are then deduplicated among themselves by the model as usual, and appended.
    keys: list of (target column, expression on `alias`), e.g. [('event_id', 'raw_rows.event_id')].
    Portable SQL (NOT EXISTS, NOT IN over a non-null column); used with incremental_strategy 'append'.
#}
{% macro only_new_raw_rows(alias, keys) -%}
    {#- unit tests render models without a `this`: they test the full build #}
    {%- if this is defined and this is not none and is_incremental() %}
    where {{ alias }}._file not in (select distinct existing_files.source_file from {{ this }} as existing_files)
        and not exists (
            select 1
            from {{ this }} as existing
            where {% for column, expression in keys -%}
                existing.{{ column }} = {{ expression }}{% if not loop.last %} and {% endif %}
            {%- endfor %}
        )
    {%- endif %}
{%- endmacro %}
