{#
    One row per cross-channel journey (SPEC §3): threads of one customer linked by origin_ref or by the switch
    window. A journey of one thread is a journey too (is_merged false). handle_seconds = active work over all
    its threads.
#}
{{ asyncwfm.refresh_by_scope('journey_id', 'int_refresh_facts') }}
{#- incremental (issue 9): the facts of the journeys in int_refresh_facts are deleted and rebuilt from the rows of
    those journeys only #}
{%- set scope = ref('int_refresh_facts') %}
with

journeys as (
    select * from {{ asyncwfm.refresh_filtered(ref('int_journeys_linked'), 'journey_id', scope, 'journey_id') }} as journeys_in_scope
),

threads as (
    select * from {{ asyncwfm.refresh_filtered(ref('fct_threads'), 'journey_id', scope, 'journey_id') }} as threads_in_scope
),

messages as (
    select journey_id, min(customer_id) as customer_id
    from {{ asyncwfm.refresh_filtered(ref('int_contacts_assigned'), 'journey_id', scope, 'journey_id') }} as messages_in_scope
    group by journey_id
),

thread_channels as (
    select distinct journey_id, channel from journeys
),

channel_lists as (
    select
        journey_id,
        {{ dbt.listagg('channel', "','", 'order by channel') }} as channels,
        count(*) as n_channels
    from thread_channels
    group by journey_id
),

totals as (
    select
        journey_id,
        count(*) as n_threads,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        cast(sum(n_messages) as {{ dbt.type_bigint() }}) as n_messages,
        sum(handle_seconds) as handle_seconds
    from threads
    group by journey_id
),

starts as (
    select distinct journey_id, journey_channel, journey_queue_id, is_merged, policy_version
    from journeys
),

final as (
    select
        starts.journey_id,
        starts.journey_channel as start_channel,
        starts.journey_queue_id as start_queue_id,
        channel_lists.channels,
        channel_lists.n_channels,
        totals.n_threads,
        totals.n_messages,
        totals.started_at,
        totals.ended_at,
        {{ asyncwfm.seconds_between('totals.started_at', 'totals.ended_at') }} as span_seconds,
        starts.is_merged,
        totals.handle_seconds,
        messages.customer_id,
        starts.policy_version
    from starts
    inner join totals
        on totals.journey_id = starts.journey_id
    inner join channel_lists
        on channel_lists.journey_id = starts.journey_id
    left join messages
        on messages.journey_id = starts.journey_id
)

select * from final
