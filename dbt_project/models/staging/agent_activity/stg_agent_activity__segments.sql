with

source as (
    select * from {{ source('raw', 'agent_activity') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('segment_id', 'raw_rows.segment_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        segment_id,
        agent_id,
        channel,
        item_id,
        activity,
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('ended_at') }} as ended_at,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'segment_id') }}
),

final as (
    select
        segment_id,
        agent_id,
        channel,
        item_id,
        activity,
        started_at,
        ended_at,
        _file as source_file
    from deduplicated
)

select * from final
