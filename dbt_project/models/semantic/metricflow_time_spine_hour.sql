{#
    Hourly time spine of the semantic layer (configured in _semantic__models.yml): the finest grain the
    semantic models declare (their time dimensions are at hour grain; 15-minute intervals are read from the
    marts directly). One row per hour, 2020-01-01 .. 2035-12-31.
#}
{{ config(materialized='table', schema='marts') }}

with

hours as (
    {{ dbt.date_spine('hour', "cast('2020-01-01' as timestamp)", "cast('2036-01-01' as timestamp)") }}
),

final as (
    select cast(date_hour as {{ dbt.type_timestamp() }}) as hour_start
    from hours
)

select * from final
