with

source as (
    select * from {{ source('raw', 'chat') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('event_id', 'raw_rows.event_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        event_id,
        chat_id,
        queue,
        event_type,
        sender,
        agent_id,
        {{ pii_hash('visitor_id', 'visitor') }} as visitor_key,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'event_id') }}
),

final as (
    select
        event_id,
        chat_id,
        queue,
        event_type,
        sender,
        agent_id,
        visitor_key,
        occurred_at,
        _file as source_file
    from deduplicated
)

select * from final
