{#
    Refresh scope (issue 9): the stored backlog waits of the threads int_kpi_backlog_waits is about to rebuild
    (those of int_refresh_facts), read before it deletes them: where a wait ended (or that it was still open)
    decides which days' backlog the rebuild can change. int_kpi_backlog_waits runs after this model. Empty in
    a full build. DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_facts') }}
{%- set previous = asyncwfm.previous_relation('intermediate', 'int_kpi_backlog_waits') %}

{%- if asyncwfm.refresh_is_incremental(previous) %}

select stored.waiting_since, stored.waiting_until
from {{ previous }} as stored
where stored.thread_id in (
    select refresh_facts.thread_id from {{ ref('int_refresh_facts') }} as refresh_facts
    where refresh_facts.thread_id is not null
)

{%- else %}

select
    cast(null as {{ dbt.type_timestamp() }}) as waiting_since,
    cast(null as {{ dbt.type_timestamp() }}) as waiting_until
where false

{%- endif %}
