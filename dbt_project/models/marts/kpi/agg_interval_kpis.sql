{#
    One row per interval x queue x channel (SPEC §6), dense: every interval of every local day of the data, for
    every queue of the queues seed and every queue seen in the data, zeros where nothing happened (the
    forecast averages same-weekday intervals, and an empty interval is a zero, not a gap). Key:
    (interval_start_utc, queue_id, channel). Definitions: docs/metrics.md; choices: DECISIONLOG
    "KPIs and intervals".
#}
{{ asyncwfm.refresh_by_scope('interval_start_utc', 'int_refresh_intervals') }}
{#- incremental (issue 9): the intervals of int_refresh_intervals are deleted and rebuilt; each measure reads only the rows
    in the UTC hours of those intervals (a superset: the join to the grid keeps the intervals in scope); the end of
    the data and the queue × channel grid still come from every row #}
with

intervals as (
    select * from {{ ref('int_kpi_intervals_spined') }}
    where {{ asyncwfm.in_refresh_scope('interval_start_utc', ref('int_refresh_intervals'), 'interval_start_utc') }}
),

contacts as (
    select * from {{ ref('fct_contacts') }}
),

messages as (
    select * from {{ ref('int_contacts_assigned') }}
),

responses as (
    select * from {{ ref('int_responses_measured') }}
),

work as (
    select * from {{ ref('int_kpi_work_split_by_interval') }}
    where is_attributed
),

backlog as (
    select * from {{ ref('int_kpi_backlog_by_interval') }}
),

queues as (
    select * from {{ ref('stg_seeds__queues') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

policy_version as (
    select max(policy_version) as policy_version from policies
),

data_end as (
    select max(ended_at) as data_ended_at from messages
),

queue_channels as (
    {{ asyncwfm.kpi_queue_channels('queues', 'messages', 'contacts', 'work') }}
),

grid as (
    select
        intervals.*,
        queue_channels.queue_id,
        queue_channels.channel
    from intervals
    cross join queue_channels
),

offered as (
    select
        {{ asyncwfm.kpi_interval_start_utc('contacts.started_at') }} as interval_start_utc,
        contacts.queue_id,
        contacts.channel,
        count(*) as contacts_offered,
        sum(contacts.handle_seconds) as offered_handle_seconds,
        sum(case when contacts.is_abandoned then 1 else 0 end) as abandoned,
        sum(
            case
                when contacts.n_inbound_messages > 0
                    and coalesce(contacts.speed_of_answer_seconds, contacts.first_response_seconds)
                        <= policies.service_target_seconds
                    then 1
                else 0
            end
        ) as contacts_answered_within_target,
        sum(
            case
                when contacts.n_inbound_messages = 0 then 0
                when coalesce(contacts.speed_of_answer_seconds, contacts.first_response_seconds) is not null then 1
                when contacts.is_abandoned then 1
                when {{ asyncwfm.seconds_between('contacts.started_at', 'data_end.data_ended_at') }}
                    > policies.service_target_seconds then 1
                else 0
            end
        ) as contacts_sl_measured
    from contacts
    inner join policies
        on policies.channel = contacts.channel
    cross join data_end
    where {{ asyncwfm.in_refresh_hours('contacts.started_at', 'intervals') }}
    group by 1, 2, 3
),

message_counts as (
    select
        {{ asyncwfm.kpi_interval_start_utc('occurred_at') }} as interval_start_utc,
        queue_id,
        channel,
        sum(case when direction = 'inbound' then 1 else 0 end) as messages_inbound,
        sum(case when direction = 'outbound' then 1 else 0 end) as messages_outbound,
        sum(case when is_agent_response then 1 else 0 end) as agent_messages_outbound
    from messages
    where {{ asyncwfm.in_refresh_hours('occurred_at', 'intervals') }}
    group by 1, 2, 3
),

message_service as (
    select
        {{ asyncwfm.kpi_interval_start_utc('occurred_at') }} as interval_start_utc,
        queue_id,
        channel,
        sum(case when is_within_target then 1 else 0 end) as messages_answered_within_target,
        sum(case when is_within_target is not null then 1 else 0 end) as messages_sl_measured
    from responses
    where {{ asyncwfm.in_refresh_hours('occurred_at', 'intervals') }}
    group by 1, 2, 3
),

worked as (
    select
        interval_start_utc,
        queue_id,
        channel,
        sum(handle_seconds) as handle_seconds_worked,
        sum(split_seconds) as item_seconds_worked,
        sum(split_seconds / concurrent_items) as busy_seconds_worked
    from work
    where {{ asyncwfm.in_refresh_scope('interval_start_utc', 'intervals', 'interval_start_utc') }}
    group by 1, 2, 3
),

joined as (
    select
        grid.interval_start,
        grid.interval_end,
        grid.interval_start_utc,
        grid.interval_end_utc,
        grid.interval_date,
        grid.utc_offset_minutes,
        grid.is_repeated_local_time,
        grid.queue_id,
        grid.channel,
        policies.is_deferred,
        policies.service_target_seconds,
        coalesce(offered.contacts_offered, 0) as contacts_offered,
        coalesce(offered.offered_handle_seconds, 0) as offered_handle_seconds,
        coalesce(message_counts.messages_inbound, 0) as messages_inbound,
        coalesce(message_counts.messages_outbound, 0) as messages_outbound,
        coalesce(message_counts.agent_messages_outbound, 0) as agent_messages_outbound,
        coalesce(worked.handle_seconds_worked, 0) as handle_seconds_worked,
        coalesce(worked.item_seconds_worked, 0) as item_seconds_worked,
        coalesce(worked.busy_seconds_worked, 0) as busy_seconds_worked,
        coalesce(offered.contacts_answered_within_target, 0) as contacts_answered_within_target,
        coalesce(offered.contacts_sl_measured, 0) as contacts_sl_measured,
        coalesce(message_service.messages_answered_within_target, 0) as messages_answered_within_target,
        coalesce(message_service.messages_sl_measured, 0) as messages_sl_measured,
        coalesce(backlog.backlog_end, 0) as backlog_end,
        coalesce(backlog.backlog_messages_end, 0) as backlog_messages_end,
        backlog.oldest_backlog_age_seconds,
        coalesce(offered.abandoned, 0) as abandoned
    from grid
    left join policies
        on policies.channel = grid.channel
    left join offered
        on offered.interval_start_utc = grid.interval_start_utc
        and offered.queue_id = grid.queue_id
        and offered.channel = grid.channel
    left join message_counts
        on message_counts.interval_start_utc = grid.interval_start_utc
        and message_counts.queue_id = grid.queue_id
        and message_counts.channel = grid.channel
    left join message_service
        on message_service.interval_start_utc = grid.interval_start_utc
        and message_service.queue_id = grid.queue_id
        and message_service.channel = grid.channel
    left join worked
        on worked.interval_start_utc = grid.interval_start_utc
        and worked.queue_id = grid.queue_id
        and worked.channel = grid.channel
    left join backlog
        on backlog.interval_start_utc = grid.interval_start_utc
        and backlog.queue_id = grid.queue_id
        and backlog.channel = grid.channel
),

final as (
    select
        cast(interval_start as {{ dbt.type_timestamp() }}) as interval_start,
        cast(interval_end as {{ dbt.type_timestamp() }}) as interval_end,
        cast(interval_start_utc as {{ dbt.type_timestamp() }}) as interval_start_utc,
        cast(interval_end_utc as {{ dbt.type_timestamp() }}) as interval_end_utc,
        cast(interval_date as date) as interval_date,
        cast(utc_offset_minutes as {{ dbt.type_int() }}) as utc_offset_minutes,
        cast(is_repeated_local_time as {{ dbt.type_boolean() }}) as is_repeated_local_time,
        cast(queue_id as {{ dbt.type_string() }}) as queue_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(is_deferred as {{ dbt.type_boolean() }}) as is_deferred,
        cast(service_target_seconds as {{ asyncwfm.kpi_type_double() }}) as service_target_seconds,
        cast(contacts_offered as {{ dbt.type_bigint() }}) as contacts_offered,
        cast(offered_handle_seconds as {{ asyncwfm.kpi_type_double() }}) as offered_handle_seconds,
        cast(case when contacts_offered > 0 then offered_handle_seconds / contacts_offered end as {{ asyncwfm.kpi_type_double() }})
            as aht_seconds,
        cast(messages_inbound as {{ dbt.type_bigint() }}) as messages_inbound,
        cast(messages_outbound as {{ dbt.type_bigint() }}) as messages_outbound,
        cast(agent_messages_outbound as {{ dbt.type_bigint() }}) as agent_messages_outbound,
        cast(handle_seconds_worked as {{ asyncwfm.kpi_type_double() }}) as handle_seconds_worked,
        cast(item_seconds_worked as {{ asyncwfm.kpi_type_double() }}) as item_seconds_worked,
        cast(busy_seconds_worked as {{ asyncwfm.kpi_type_double() }}) as busy_seconds_worked,
        cast(case when busy_seconds_worked > 0 then item_seconds_worked / busy_seconds_worked end as {{ asyncwfm.kpi_type_double() }})
            as avg_concurrency,
        cast(contacts_answered_within_target as {{ dbt.type_bigint() }}) as contacts_answered_within_target,
        cast(contacts_sl_measured as {{ dbt.type_bigint() }}) as contacts_sl_measured,
        cast(case when contacts_sl_measured > 0 then 1.0 * contacts_answered_within_target / contacts_sl_measured end
            as {{ asyncwfm.kpi_type_double() }}) as contact_service_level,
        cast(messages_answered_within_target as {{ dbt.type_bigint() }}) as messages_answered_within_target,
        cast(messages_sl_measured as {{ dbt.type_bigint() }}) as messages_sl_measured,
        cast(case when messages_sl_measured > 0 then 1.0 * messages_answered_within_target / messages_sl_measured end
            as {{ asyncwfm.kpi_type_double() }}) as message_service_level,
        cast(case when is_deferred then 'message' else 'contact' end as {{ dbt.type_string() }}) as service_level_basis,
        cast(case when is_deferred then messages_answered_within_target else contacts_answered_within_target end
            as {{ dbt.type_bigint() }}) as service_level_numerator,
        cast(case when is_deferred then messages_sl_measured else contacts_sl_measured end
            as {{ dbt.type_bigint() }}) as service_level_denominator,
        cast(
            case
                when is_deferred and messages_sl_measured > 0
                    then 1.0 * messages_answered_within_target / messages_sl_measured
                when not is_deferred and contacts_sl_measured > 0
                    then 1.0 * contacts_answered_within_target / contacts_sl_measured
            end as {{ asyncwfm.kpi_type_double() }}
        ) as service_level,
        cast(backlog_end as {{ dbt.type_bigint() }}) as backlog_end,
        cast(backlog_messages_end as {{ dbt.type_bigint() }}) as backlog_messages_end,
        cast(oldest_backlog_age_seconds as {{ asyncwfm.kpi_type_double() }}) as oldest_backlog_age_seconds,
        cast(abandoned as {{ dbt.type_bigint() }}) as abandoned,
        cast(policy_version.policy_version as {{ dbt.type_string() }}) as policy_version
    from joined
    cross join policy_version
)

select * from final
