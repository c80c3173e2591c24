with

source as (
    select * from {{ source('raw', 'customers') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('customer_id', 'raw_rows.customer_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        customer_id,
        {{ pii_hash('email', 'email') }} as email_key,
        {{ pii_hash('phone', 'phone') }} as phone_key,
        {{ pii_hash('social_handle', 'handle') }} as handle_key,
        {{ pii_hash('chat_visitor_id', 'visitor') }} as visitor_key,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'customer_id') }}
),

final as (
    select
        customer_id,
        email_key,
        phone_key,
        handle_key,
        visitor_key,
        _file as source_file
    from deduplicated
)

select * from final
