{#
    MetricFlow's time spine (required by the semantic layer in dbt >= 1.9, configured in _semantic__models.yml):
    one row per day, 2020-01-01 .. 2035-12-31. Days are site-local for the agg_* semantic models, whose time
    dimension is the local interval_start.
#}
{{ config(materialized='table', schema='marts') }}

with

days as (
    {{ dbt.date_spine('day', "cast('2020-01-01' as date)", "cast('2036-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
