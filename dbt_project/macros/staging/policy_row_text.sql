{#
    policy_row_text(): the canonical text of one channel_policies row, its typed values cast to text and
    joined with '|' in SPEC §4 column order. policy_version = md5 of these texts ordered by channel and
    joined with ';'. Python mirrors it in orchestration/policy.py:policy_version.
#}
{% macro policy_columns() -%}
    {{ return([
        'channel', 'contact_unit', 'handle_time_basis', 'concurrency_mode',
        'session_gap_minutes', 'thread_gap_minutes', 'switch_window_minutes',
        'merge_channel_switches', 'is_deferred', 'service_target_seconds', 'service_level_goal',
        'max_occupancy', 'max_concurrency', 'default_shrinkage',
    ]) }}
{%- endmacro %}

{% macro policy_row_text() -%}
    {%- set parts = [] -%}
    {%- for column in asyncwfm.policy_columns() -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
