{#
    The refresh scope (issue 9): how the models after staging rebuild only what new landing files can change.

    A scope model (int_refresh_*) lists the keys whose rows may change in this refresh: threads, journeys,
    segments, pieces. Each consumer is an `incremental` model (strategy `append`) whose pre-hook deletes its
    rows of those keys (`delete_refreshed_rows`) and whose SQL computes the rows of the same keys
    (`in_refresh_scope`); a full build (first run, `--full-refresh`) ignores the scope and builds everything.
    The argument that the result equals a full rebuild is in dbt_project/DECISIONLOG.md, "Incremental refresh".

    The scope models read the *previous* state of the consumers by name (not by ref: that would be a cycle).
    They are empty in a full build.
#}

{#- what the last build stored for a model (by name: a scope model reads its consumer's previous state, a ref
    would be a cycle), or none when this run builds in full (no such table yet, or --full-refresh) #}
{% macro previous_build_of(model_name) -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(asyncwfm.stored_model_relation(model_name)) }}
{%- endmacro %}


{#- `expression` is one of the keys of `scope` (nulls in the scope never match); no check of the build mode #}
{% macro keys_in_scope(expression, scope, scope_column) -%}
    {{ expression }} in (
        select refresh_scope.{{ scope_column }}
        from {{ scope }} as refresh_scope
        where refresh_scope.{{ scope_column }} is not null
    )
{%- endmacro %}


{#- a model's pre-hook: delete the rows of the keys in scope (incremental runs only) #}
{% macro delete_refreshed_rows(column, scope, scope_column=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ asyncwfm.keys_in_scope(column, scope, scope_column or column) }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}


{#- a WHERE/AND condition that keeps the rows of keys in scope (incremental runs), else nothing is filtered #}
{% macro in_refresh_scope(expression, scope, scope_column) -%}
    {%- if this is defined and this is not none and is_incremental() -%}
        {{ asyncwfm.keys_in_scope(expression, scope, scope_column) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- rows of staging whose landing file was not staged by the last complete build (config.staged_files, written
    by the pipeline after dbt succeeds) #}
{% macro is_from_new_file(source_file_column) -%}
    {%- set staged = adapter.get_relation(database=this.database, schema='config', identifier='staged_files') if execute else none -%}
    {%- if staged is none -%}
        true  {#- no record of a complete build: every row counts as new (a larger scope, same result) #}
    {%- else -%}
        {{ source_file_column }} not in (select staged.path from {{ staged }} as staged)
    {%- endif -%}
{%- endmacro %}


{#- the islands of an agent's time spans: maximal runs of spans that overlap or touch, as (agent_id,
    island_started_at, island_ended_at); spans_sql selects agent_id, started_at, ended_at #}
{% macro span_islands(spans_sql) -%}
    select agent_id, min(started_at) as island_started_at, max(ended_at) as island_ended_at
    from (
        select
            agent_id,
            started_at,
            ended_at,
            sum(is_new_island) over (
                partition by agent_id
                order by started_at, ended_at
                rows between unbounded preceding and current row
            ) as island_number
        from (
            select
                agent_id,
                started_at,
                ended_at,
                case
                    when started_at > max(ended_at) over (
                        partition by agent_id
                        order by started_at, ended_at
                        rows between unbounded preceding and 1 preceding
                    ) then 1
                    when row_number() over (partition by agent_id order by started_at, ended_at) = 1 then 1
                    else 0
                end as is_new_island
            from ({{ spans_sql }}) as spans
        ) as flagged
    ) as numbered
    group by agent_id, island_number
{%- endmacro %}


{#- a relation to read in a model: in an incremental run only the rows whose `column` is in the scope (a
    subquery in parentheses, usable wherever the relation is), else the relation itself #}
{% macro refresh_filtered(relation, column, scope, scope_column) -%}
    {%- if this is defined and this is not none and is_incremental() -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ asyncwfm.in_refresh_scope(column, scope, scope_column) }})
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}


{#- a pre-hook before delete_refreshed_rows: keep the rows about to be replaced in schema `refresh` (table named
    like the model), so int_refresh_intervals can tell which interval KPIs the rebuilt rows really change #}
{% macro save_replaced_rows(column, scope, scope_column=none) -%}
    {%- if is_incremental() -%}
        create schema if not exists refresh;
        create or replace table refresh.{{ this.identifier }} as
        select * from {{ this }}
        where {{ asyncwfm.keys_in_scope(column, scope, scope_column or column) }}
    {%- else -%}
        select 1 as nothing_to_save
    {%- endif -%}
{%- endmacro %}


{#- the rows of one relation (or CTE) and not the other, both ways, as multisets #}
{% macro symmetric_difference(one, other) -%}
    select * from (select * from {{ one }} except all select * from {{ other }}) as removed
    union all
    select * from (select * from {{ other }} except all select * from {{ one }}) as added
{%- endmacro %}


{#- a cheap superset test before an exact one: `ts` falls in a UTC hour that some interval of `intervals` (a
    relation or CTE with interval_start_utc, interval_end_utc) overlaps. Truncating to the hour needs no time
    zone conversion, so it can run over millions of rows; incremental runs only. #}
{% macro in_refresh_hours(ts, intervals) -%}
    {%- if this is defined and this is not none and is_incremental() -%}
        {{ dbt.date_trunc('hour', ts) }} in (
            select {{ dbt.date_trunc('hour', 'scope_hours.interval_start_utc') }} from {{ intervals }} as scope_hours
            union
            select {{ dbt.date_trunc('hour', dbt.dateadd('second', -1, 'scope_hours.interval_end_utc')) }}
            from {{ intervals }} as scope_hours
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- the config of a model that a refresh rebuilds by scope: incremental, appended after its pre-hook deleted the
    rows of the keys in `scope` (a model name; its column `scope_column`, default `column`) by `column`; save_replaced keeps those rows in schema `refresh`
    first (the KPI scopes compare them with the rebuilt ones) #}
{% macro refresh_by_scope(column, scope, save_replaced=false, scope_column=none) -%}
    {%- set delete_hook = "{{ asyncwfm.delete_refreshed_rows('" ~ column ~ "', ref('" ~ scope ~ "')"
        ~ (", '" ~ scope_column ~ "'" if scope_column else "") ~ ") }}" -%}
    {%- set save_hook = "{{ asyncwfm.save_replaced_rows('" ~ column ~ "', ref('" ~ scope ~ "')) }}" -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=([save_hook] if save_replaced else []) + [delete_hook],
    ) }}
{%- endmacro %}


{#- the queue × channel pairs agg_interval_kpis has a row for in every interval: every queue of the seed and every
    pair seen in the data (messages, contacts, attributed work); int_refresh_intervals compares it with the stored
    mart's pairs. Arguments: relations or CTE names. #}
{% macro kpi_queue_channels(queues, messages, contacts, work) -%}
    select queue_id, channel from {{ queues }}
    union
    select queue_id, channel from {{ messages }} where queue_id is not null
    union
    select queue_id, channel from {{ contacts }} where queue_id is not null
    union
    select queue_id, channel from {{ work }} where queue_id is not null
{%- endmacro %}
