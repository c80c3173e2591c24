{#
    Refresh scope (issue 9): the agent work segments whose attribution may change in this refresh —
    segments and CDR calls from new landing files, segments whose item (the message; the chat for chat) lies in a
    journey of int_refresh_journeys, and the stored segments attributed to such a journey. A segment's
    attribution reads only its item's messages (and, for voice, whether the call's CDR has agent work: the call
    is a message of the same journey), so every other segment keeps its row. Empty in a full build.
    DECISIONLOG "Incremental refresh".
#}
-- depends_on: {{ ref('int_refresh_journeys') }}, {{ ref('int_contacts_assigned') }}, {{ ref('stg_agent_activity__segments') }}, {{ ref('stg_voice__calls') }}
{%- set previous = asyncwfm.previous_build_of('int_work_attributed') %}

{%- if previous is not none %}

with

refresh_journeys as (
    select distinct journey_id from {{ ref('int_refresh_journeys') }}
),

dirty_items as (
    select distinct
        messages.channel,
        case when messages.channel = 'chat' then messages.item_id else messages.message_id end as item_id
    from {{ ref('int_contacts_assigned') }} as messages
    inner join refresh_journeys
        on refresh_journeys.journey_id = messages.journey_id
),

activity as (
    select segments.segment_id
    from {{ ref('stg_agent_activity__segments') }} as segments
    left join dirty_items
        on dirty_items.channel = segments.channel
        and dirty_items.item_id = segments.item_id
    where dirty_items.item_id is not null
        or {{ asyncwfm.is_from_new_file('segments.source_file') }}
),

calls as (
    select calls.call_id
    from {{ ref('stg_voice__calls') }} as calls
    left join dirty_items
        on dirty_items.channel = 'voice'
        and dirty_items.item_id = calls.call_id
    where dirty_items.item_id is not null
        or {{ asyncwfm.is_from_new_file('calls.source_file') }}
),

final as (
    select segment_id from activity
    union
    select {{ dbt.concat(["'cdr:'", 'call_id', "':talk'"]) }} from calls
    union
    select {{ dbt.concat(["'cdr:'", 'call_id', "':wrap'"]) }} from calls
    union
    select stored.segment_id
    from {{ previous }} as stored
    inner join refresh_journeys
        on refresh_journeys.journey_id = stored.journey_id
)

select segment_id from final

{%- else %}

select cast(null as {{ dbt.type_string() }}) as segment_id
where false

{%- endif %}
