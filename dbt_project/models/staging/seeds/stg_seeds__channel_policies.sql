{#
    The counting policy in force for this run (SPEC §4): the channel_policies seed, or, when the var
    policy_override is true, the table config.channel_policies_override written by
    orchestration/policy.py:write_policy_override after validating the user's CSV.
    policy_version = md5 of the rows in channel order, each row the '|'-joined typed values
    (orchestration/policy.py:policy_version computes the same string).
#}
-- depends_on: {{ ref('channel_policies') }}
-- depends_on: {{ source('config', 'channel_policies_override') }}
{%- set use_override = (var('policy_override', false) | string | lower) in ['true', '1', 'yes'] %}

with

policies as (
    {%- if use_override %}
    select * from {{ source('config', 'channel_policies_override') }}
    {%- else %}
    select * from {{ ref('channel_policies') }}
    {%- endif %}
),

typed as (
    select
        lower(trim(cast(channel as {{ dbt.type_string() }}))) as channel,
        lower(trim(cast(contact_unit as {{ dbt.type_string() }}))) as contact_unit,
        lower(trim(cast(handle_time_basis as {{ dbt.type_string() }}))) as handle_time_basis,
        lower(trim(cast(concurrency_mode as {{ dbt.type_string() }}))) as concurrency_mode,
        cast(session_gap_minutes as {{ type_double() }}) as session_gap_minutes,
        cast(thread_gap_minutes as {{ type_double() }}) as thread_gap_minutes,
        cast(switch_window_minutes as {{ type_double() }}) as switch_window_minutes,
        cast(merge_channel_switches as {{ dbt.type_boolean() }}) as merge_channel_switches,
        cast(is_deferred as {{ dbt.type_boolean() }}) as is_deferred,
        cast(service_target_seconds as {{ type_double() }}) as service_target_seconds,
        cast(service_level_goal as {{ type_double() }}) as service_level_goal,
        cast(max_occupancy as {{ type_double() }}) as max_occupancy,
        cast(max_concurrency as {{ dbt.type_int() }}) as max_concurrency,
        cast(default_shrinkage as {{ type_double() }}) as default_shrinkage
    from policies
),

row_texts as (
    select
        channel,
        {{ policy_row_text() }} as policy_row_text
    from typed
),

version as (
    select
        {{ dbt.hash(dbt.listagg('policy_row_text', "';'", 'order by channel')) }} as policy_version
    from row_texts
),

final as (
    select
        typed.*,
        version.policy_version
    from typed
    cross join version
)

select * from final
