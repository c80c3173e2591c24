{# No single-column id: a span is identified by (agent_id, started_at), compared in UTC. #}
with

source as (
    select * from {{ source('raw', 'agent_states') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('agent_id', 'raw_rows.agent_id'), ('started_at', to_utc_timestamp('raw_rows.started_at'))]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        agent_id,
        state,
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('ended_at') }} as ended_at,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'agent_id, started_at') }}
),

final as (
    select
        agent_id,
        state,
        started_at,
        ended_at,
        _file as source_file
    from deduplicated
)

select * from final
