{# One row per entry of an email's `references` header, in header order (1-based position). #}
with

source as (
    select * from {{ source('raw', 'email') }}
),

deduplicated as (
    {{ deduplicate_earliest('source', 'message_id') }}
),

unnested as (
    {{ unnest_with_position('deduplicated', 'references', 'referenced_message_id', 'reference_position', ['message_id', '_file']) }}
),

final as (
    select
        message_id,
        trim(referenced_message_id) as referenced_message_id,
        reference_position,
        _file as source_file
    from unnested
    where nullif(trim(referenced_message_id), '') is not null
)

select * from final
