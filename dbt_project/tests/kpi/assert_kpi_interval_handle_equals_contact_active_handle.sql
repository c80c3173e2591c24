{#
    Conservation (DECISIONLOG "KPIs and intervals"): the handle seconds worked, summed over every interval,
    queue and channel of agg_interval_kpis, equal the total active handle time of fct_contacts
    (Σ active_handle_seconds). Both count exactly the work attributed to a contact; work whose item matches no
    message is in neither (it is agg_agent_interval.unattributed_handle_seconds). Returns a row on mismatch.
#}
with

intervals as (
    select coalesce(sum(handle_seconds_worked), 0) as total from {{ ref('agg_interval_kpis') }}
),

contacts as (
    select coalesce(sum(active_handle_seconds), 0) as total from {{ ref('fct_contacts') }}
)

select
    intervals.total as interval_handle_seconds_worked,
    contacts.total as contact_active_handle_seconds
from intervals
cross join contacts
where abs(intervals.total - contacts.total) > 1e-6 + 1e-9 * abs(contacts.total)
