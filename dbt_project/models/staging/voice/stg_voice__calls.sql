{#
    One row per call leg. hold_seconds / wrap_seconds: an empty CDR cell means none (0), see DECISIONLOG.
    origin_ref `<channel>:<id>` is split at its first colon into origin_channel and origin_item_id.
#}
with

source as (
    select * from {{ source('raw', 'voice') }} as raw_rows
    {{ only_new_raw_rows('raw_rows', [('call_id', 'raw_rows.call_id')]) }}  {# incremental: new files, new ids (issue 9) #}
),

renamed as (
    select
        call_id,
        {{ pii_hash('customer_phone', 'phone') }} as customer_key,
        queue,
        {{ to_utc_timestamp('offered_at') }} as offered_at,
        {{ to_utc_timestamp('answered_at') }} as answered_at,
        {{ to_utc_timestamp('ended_at') }} as ended_at,
        agent_id,
        coalesce(cast(nullif(trim(hold_seconds), '') as {{ type_double() }}), 0) as hold_seconds,
        coalesce(cast(nullif(trim(wrap_seconds), '') as {{ type_double() }}), 0) as wrap_seconds,
        transferred_from_call_id,
        {{ origin_ref_channel('origin_ref') }} as origin_channel,
        {{ origin_ref_item_id('origin_ref') }} as origin_item_id,
        _file,
        _line,
        _ingested_at
    from source
),

deduplicated as (
    {{ deduplicate_earliest('renamed', 'call_id') }}
),

final as (
    select
        call_id,
        customer_key,
        queue,
        offered_at,
        answered_at,
        ended_at,
        agent_id,
        hold_seconds,
        wrap_seconds,
        transferred_from_call_id,
        origin_channel,
        origin_item_id,
        answered_at is null as is_abandoned,
        _file as source_file
    from deduplicated
)

select * from final
