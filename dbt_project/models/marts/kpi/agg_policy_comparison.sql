{#
    One row per local day x channel x counting approach (SPEC §6): the same messages and the same agent work
    counted five ways, whatever contact_unit the policy configures, so the cost of a policy choice is
    visible on the user's own data.
    - message/active, session/active, thread/active, journey/active: one contact per message (voice: call leg),
      session, thread or cross-channel journey; handle = the active work (int_work_apportioned.handle_seconds,
      after the channel's concurrency_mode) attributed to it.
    - thread/elapsed: one contact per thread; handle = the thread's span (first to last event).
    A contact's day is the local day (site_timezone) of its first event (message or work start); a journey
    belongs to the channel where it started. Work whose item matches no message belongs to no contact and is
    in none of the approaches. With the same work set, the active approaches have the same total handle over
    all days and channels (and message/session/thread per channel); only counts and AHT differ.
#}
{%- set approaches = [
    {'approach': 'message/active', 'unit': 'message', 'key': 'message_key', 'channel': 'channel', 'basis': 'active'},
    {'approach': 'session/active', 'unit': 'session', 'key': 'session_id', 'channel': 'channel', 'basis': 'active'},
    {'approach': 'thread/active', 'unit': 'thread', 'key': 'thread_id', 'channel': 'channel', 'basis': 'active'},
    {'approach': 'thread/elapsed', 'unit': 'thread', 'key': 'thread_id', 'channel': 'channel', 'basis': 'elapsed'},
    {'approach': 'journey/active', 'unit': 'journey', 'key': 'journey_id', 'channel': 'journey_channel', 'basis': 'active'},
] %}
{{ asyncwfm.refresh_by_scope('contact_date', 'int_refresh_days', scope_column='interval_date') }}
{#- incremental (issue 9): the days of int_refresh_days are deleted and rebuilt. A unit's day is the day of one of
    its events, and a unit lies inside one journey: the journeys with an event on those days hold every unit of
    those days, whole. #}
{%- set incremental = this is defined and this is not none and is_incremental() %}
-- depends_on: {{ ref('int_refresh_days') }}, {{ ref('int_kpi_intervals_spined') }}

with

{%- if incremental %}

-- the intervals of the days in scope: journeys with an event in their UTC hours (a superset of the journeys with
-- an event on those local days, found without a time zone conversion of every row)
scope_intervals as (
    select interval_start_utc, interval_end_utc from {{ ref('int_kpi_intervals_spined') }}
    where interval_date in (select interval_date from {{ ref('int_refresh_days') }})
),

scope_journeys as (
    select journey_id from {{ ref('int_contacts_assigned') }}
    where {{ asyncwfm.in_refresh_hours('occurred_at', 'scope_intervals') }}
    union
    select journey_id from {{ ref('int_work_apportioned') }}
    where message_key is not null
        and {{ asyncwfm.in_refresh_hours('started_at', 'scope_intervals') }}
),
{%- endif %}

messages as (
    select * from {{ ref('int_contacts_assigned') }}
    where {{ asyncwfm.in_refresh_scope('journey_id', 'scope_journeys', 'journey_id') }}
),

work as (
    select * from {{ ref('int_work_apportioned') }}
    where message_key is not null
        and {{ asyncwfm.in_refresh_scope('journey_id', 'scope_journeys', 'journey_id') }}
),

journeys as (
    select * from {{ ref('int_journeys_linked') }}
),

policies as (
    select * from {{ ref('stg_seeds__channel_policies') }}
),

policy_version as (
    select max(policy_version) as policy_version from policies
),

events as (
    select
        message_key, session_id, thread_id, journey_id, channel,
        occurred_at as started_at,
        ended_at,
        cast(0 as {{ asyncwfm.kpi_type_double() }}) as handle_seconds
    from messages
    union all
    select
        message_key, session_id, thread_id, journey_id, channel,
        started_at,
        ended_at,
        handle_seconds
    from work
),

events_with_journey as (
    select
        events.*,
        coalesce(journeys.journey_channel, events.channel) as journey_channel
    from events
    left join journeys
        on journeys.thread_id = events.thread_id
),

{% for a in approaches %}
{%- if a.basis == 'active' %}
units_{{ a.unit }} as (
    select
        {{ a.key }} as unit_id,
        min({{ a.channel }}) as channel,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        sum(handle_seconds) as active_seconds
    from events_with_journey
    group by {{ a.key }}
),
{% endif %}
{%- endfor %}

contacts as (
    {%- for a in approaches %}
    select
        '{{ a.approach }}' as approach,
        '{{ a.unit }}' as contact_unit,
        '{{ a.basis }}' as handle_time_basis,
        unit_id,
        channel,
        cast({{ asyncwfm.kpi_utc_to_local('started_at') }} as date) as contact_date,
        {% if a.basis == 'elapsed' -%}
        {{ asyncwfm.seconds_between('started_at', 'ended_at') }}
        {%- else -%}
        active_seconds
        {%- endif %} as handle_seconds
    from units_{{ a.unit }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

daily as (
    select
        contact_date,
        channel,
        approach,
        contact_unit,
        handle_time_basis,
        count(*) as contacts,
        sum(handle_seconds) as handle_seconds
    from contacts
    where {{ asyncwfm.in_refresh_scope('contact_date', ref('int_refresh_days'), 'interval_date') }}
    group by contact_date, channel, approach, contact_unit, handle_time_basis
),

final as (
    select
        cast(daily.contact_date as date) as contact_date,
        cast(daily.channel as {{ dbt.type_string() }}) as channel,
        cast(daily.approach as {{ dbt.type_string() }}) as approach,
        cast(daily.contact_unit as {{ dbt.type_string() }}) as contact_unit,
        cast(daily.handle_time_basis as {{ dbt.type_string() }}) as handle_time_basis,
        cast(daily.contacts as {{ dbt.type_bigint() }}) as contacts,
        cast(daily.handle_seconds as {{ asyncwfm.kpi_type_double() }}) as handle_seconds,
        cast(case when daily.contacts > 0 then daily.handle_seconds / daily.contacts end as {{ asyncwfm.kpi_type_double() }})
            as aht_seconds,
        cast(
            coalesce(
                policies.contact_unit = daily.contact_unit and policies.handle_time_basis = daily.handle_time_basis,
                false
            ) as {{ dbt.type_boolean() }}
        ) as is_configured_approach,
        cast(policy_version.policy_version as {{ dbt.type_string() }}) as policy_version
    from daily
    left join policies
        on policies.channel = daily.channel
    cross join policy_version
)

select * from final
