with

source as (
    select * from {{ source('raw', 'sms') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('sms_id', 'raw_rows.sms_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        sms_id,
        {{ pii_hash('customer_phone', 'phone') }} as customer_key,
        business_number,
        direction,
        agent_id,
        {{ to_utc_timestamp('sent_at') }} as sent_at,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'sms_id') }}
),

final as (
    select
        sms_id,
        customer_key,
        business_number,
        direction,
        agent_id,
        sent_at,
        _file as source_file
    from deduplicated
)

select * from final
