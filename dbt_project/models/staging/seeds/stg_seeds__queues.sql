with

queues as (
    select * from {{ ref('queues') }}
),

final as (
    select
        cast(queue_id as {{ dbt.type_string() }}) as queue_id,
        lower(trim(cast(channel as {{ dbt.type_string() }}))) as channel,
        cast(source_key as {{ dbt.type_string() }}) as source_key,
        cast(name as {{ dbt.type_string() }}) as queue_name
    from queues
)

select * from final
