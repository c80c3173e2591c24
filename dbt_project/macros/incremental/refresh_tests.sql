{#
    Data tests in an incremental refresh (issue 9): a test judges the rows this refresh rebuilt (and what it must
    compare them with); rows not rebuilt were judged by the build that wrote them, which had to pass for the
    pipeline to record it as complete. In a full build (first run, `--full-refresh`) every test judges everything:
    the filters below render as the plain relation or `true`, so the SQL is the test's own.

    What a model rebuilds is declared once, in its yml `config.meta.refresh_scope` (next to its data tests):
    - `{scope: int_refresh_journeys, column: journey_id}`: the rows whose `column` is among the scope model's
      keys — the keys its pre-hook deleted and its SQL computed again (delete_refreshed_rows / in_refresh_scope);
      `scope_column` when the scope names the key otherwise. Rows with a null key are always judged;
    - `{new_files: source_file}`: staging, appended from landing files not staged by the last complete build.
    Generic tests read it through get_where_subquery (below), singular tests through rows_to_judge and
    judged_in_refresh. DECISIONLOG "Incremental refresh", "Data tests in an incremental refresh".
#}

{#- true when the models after staging were refreshed incrementally in this build (or, for a `dbt test` on its
    own, in the last one): int_refresh_state says so. False under --full-refresh and before the state exists. #}
{% macro refresh_was_incremental() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set state = asyncwfm.stored_model_relation('int_refresh_state') -%}
    {%- if state is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set result = run_query('select coalesce(bool_and(is_incremental), false) from ' ~ state) -%}
    {{ return(result.columns[0].values()[0] == true) }}
{%- endmacro %}


{#- int_refresh_state's value, computed when it is built: no --full-refresh and every incremental model of the
    project already exists. It runs before int_refresh_threads, so before any consumer is written in this run. #}
{% macro refresh_state_is_incremental() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == project_name
            and node.config.materialized == 'incremental' -%}
        {%- if adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is none -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}


{#- the warehouse relation of a model of this project, by name; none when it is not built #}
{% macro stored_model_relation(name) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == project_name and node.name == name -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- the refresh_scope meta of the model stored at `relation`, or none #}
{% macro refresh_scope_of(relation) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == project_name
            and (node.alias | lower) == (relation.identifier | lower)
            and (node.schema | lower) == (relation.schema | lower) -%}
        {{ return(node.config.meta.get('refresh_scope')) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- a condition: `expression` is a key this refresh rebuilt (listed in `scope`, or null); `true` in a full build.
    `incremental`: refresh_was_incremental(), when the caller already knows it (it costs a query). #}
{% macro judged_in_refresh(expression, scope, scope_column, incremental=none) -%}
    {%- if (asyncwfm.refresh_was_incremental() if incremental is none else incremental) -%}
        ({{ expression }} is null or {{ asyncwfm.keys_in_scope(expression, scope, scope_column) }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- the condition on `alias`'s columns that keeps the rows of `relation` this refresh rebuilt, or none (all) #}
{% macro rebuilt_rows_condition(relation, alias, incremental=none) -%}
    {%- set scope = asyncwfm.refresh_scope_of(relation) if execute else none -%}
    {%- if scope is none -%}
        {{ return(none) }}
    {%- elif scope.get('new_files') -%}
        {%- if flags.FULL_REFRESH -%}
            {{ return(none) }}
        {%- endif -%}
        {{ return(asyncwfm.is_from_new_file(alias ~ '.' ~ scope['new_files'])) }}
    {%- elif (asyncwfm.refresh_was_incremental() if incremental is none else incremental) -%}
        {%- set scope_relation = asyncwfm.stored_model_relation(scope['scope']) -%}
        {{ return(asyncwfm.judged_in_refresh(alias ~ '.' ~ scope['column'], scope_relation,
                                             scope.get('scope_column', scope['column']), incremental=true)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- `relation` as a data test should read it: in an incremental refresh, its rebuilt rows (a subquery in
    parentheses); with `keys`, every row sharing a key with a rebuilt row, so that a new row duplicating an old
    key is still counted with it. The relation itself when it declares no refresh_scope or the build is full.
    `incremental` as in judged_in_refresh. #}
{% macro rows_to_judge(relation, keys=none, incremental=none) -%}
    {%- set condition = asyncwfm.rebuilt_rows_condition(relation, 'rebuilt', incremental) -%}
    {%- if condition is none -%}
        {{ return(relation) }}
    {%- elif not keys -%}
        {{ return('(select * from ' ~ relation ~ ' as rebuilt where ' ~ condition ~ ')') }}
    {%- else -%}
        {%- set filtered -%}
            (select * from {{ relation }} as judged where exists (
                select 1 from {{ relation }} as rebuilt
                where {{ condition }}
                {%- for key in keys %}
                    and rebuilt.{{ key }} = judged.{{ key }}
                {%- endfor %}
            ))
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
{%- endmacro %}


{#-
    Overrides dbt's: the relation a generic test reads, then its `where` config. Uniqueness tests (unique,
    unique_combination) read the rows sharing a key with a rebuilt row; every other generic test reads the whole
    relation: a per-row check (not_null, accepted_values, in_range) scans a column, which costs less than finding
    the rebuilt rows (DuckDB skips row groups whose statistics hold no null), and a relationships test's parent may
    have been rebuilt in full.
#}
{% macro get_where_subquery(relation) -%}
    {%- set test = (model.get('test_metadata') or {}) if model is mapping else {} -%}
    {%- set kwargs = test.get('kwargs', {}) -%}
    {%- if test.get('name') == 'unique' -%}
        {%- set judged = asyncwfm.rows_to_judge(relation, [kwargs['column_name']]) -%}
    {%- elif test.get('name') == 'unique_combination' -%}
        {%- set judged = asyncwfm.rows_to_judge(relation, kwargs['columns']) -%}
    {%- else -%}
        {%- set judged = relation -%}
    {%- endif -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {{ return('(select * from ' ~ judged ~ ' as dbt_judged where ' ~ where ~ ') dbt_subquery') }}
    {%- elif judged is string -%}
        {{ return(judged ~ ' dbt_subquery') }}
    {%- else -%}
        {{ return(judged) }}
    {%- endif -%}
{%- endmacro %}
