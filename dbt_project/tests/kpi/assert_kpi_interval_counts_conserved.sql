{#
    Every contact, message and measured inbound message lands in exactly one row of agg_interval_kpis: the
    sums over all intervals equal the counts of the sources (a point bucketed outside the dense grid would be
    lost by its left join). Returns a row per mismatch.
#}
with

kpis as (
    select
        coalesce(sum(contacts_offered), 0) as contacts_offered,
        coalesce(sum(messages_inbound + messages_outbound), 0) as messages,
        coalesce(sum(messages_sl_measured), 0) as messages_sl_measured,
        coalesce(sum(abandoned), 0) as abandoned
    from {{ ref('agg_interval_kpis') }}
),

contacts as (
    select
        count(*) as contacts,
        coalesce(sum(case when is_abandoned then 1 else 0 end), 0) as abandoned
    from {{ ref('fct_contacts') }}
),

messages as (
    select count(*) as messages
    from {{ ref('int_contacts_assigned') }}
    where direction in ('inbound', 'outbound')
),

responses as (
    select count(*) as measured
    from {{ ref('int_responses_measured') }}
    where is_within_target is not null
),

checks as (
    select 'contacts_offered' as check_name, kpis.contacts_offered as kpi_total, contacts.contacts as source_total
    from kpis cross join contacts
    union all
    select 'abandoned', kpis.abandoned, contacts.abandoned
    from kpis cross join contacts
    union all
    select 'messages', kpis.messages, messages.messages
    from kpis cross join messages
    union all
    select 'messages_sl_measured', kpis.messages_sl_measured, responses.measured
    from kpis cross join responses
)

select *
from checks
where kpi_total <> source_total
