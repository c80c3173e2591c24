with

source as (
    select * from {{ source('raw', 'social') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('post_id', 'raw_rows.post_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        post_id,
        platform,
        conversation_id,
        reply_to_post_id,
        {{ pii_hash('customer_handle', 'handle') }} as customer_key,
        direction,
        agent_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'post_id') }}
),

final as (
    select
        post_id,
        platform,
        conversation_id,
        reply_to_post_id,
        customer_key,
        direction,
        agent_id,
        created_at,
        _file as source_file
    from deduplicated
)

select * from final
