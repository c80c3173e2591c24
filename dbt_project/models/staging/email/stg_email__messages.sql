with

source as (
    select * from {{ source('raw', 'email') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('message_id', 'raw_rows.message_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        message_id,
        in_reply_to,
        ticket_id,
        mailbox,
        direction,
        {{ pii_hash('customer_address', 'email') }} as customer_key,
        agent_id,
        {{ to_utc_timestamp('sent_at') }} as sent_at,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'message_id') }}
),

final as (
    select
        message_id,
        in_reply_to,
        ticket_id,
        mailbox,
        direction,
        customer_key,
        agent_id,
        sent_at,
        _file as source_file
    from deduplicated
)

select * from final
