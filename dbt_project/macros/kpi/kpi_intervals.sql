{#
    Interval bucketing in the site time zone (SPEC §6; DECISIONLOG "KPIs and intervals").

    All warehouse timestamps are UTC `timestamp` (no time zone). An interval is `interval_minutes` long and
    starts at a local wall-clock time that is a multiple of `interval_minutes` after local midnight, in
    var('site_timezone'). Its key is `interval_start_utc`: on a fall-back day the repeated local hour gives
    two distinct intervals with the same local `interval_start` and different `interval_start_utc`.

    kpi_utc_to_local(ts)            UTC timestamp -> local wall-clock timestamp (dispatch: DuckDB-only function)
    kpi_local_interval_floor(ts)    local timestamp -> start of its local interval (cross-database)
    kpi_interval_start_utc(ts)      UTC timestamp -> UTC start of the local interval holding it
    kpi_interval_start_local(ts)    UTC timestamp -> local start of the local interval holding it
    kpi_timestamp_series(a, b, m)   table expression: timestamps a, a+m min, ... <= b (column `series_at`)

    Assumes every UTC offset change of the zone is a multiple of interval_minutes (true for 15-minute
    intervals in every current zone, and for 60-minute intervals outside zones with :30/:45 offsets).
#}

{% macro kpi_interval_minutes() -%}
    {{ return(var('interval_minutes', 15) | int) }}
{%- endmacro %}

{# The zone is pasted into SQL as a literal: accept only IANA-style names (Europe/Berlin, UTC, Etc/GMT+5). #}
{% macro kpi_site_timezone() -%}
    {%- set zone = var('site_timezone', 'UTC') | string -%}
    {%- if not modules.re.fullmatch('[A-Za-z][A-Za-z0-9_+/-]{0,63}', zone) -%}
        {{ exceptions.raise_compiler_error("asyncwfm: site_timezone must be an IANA zone name such as Europe/Berlin, got '" ~ zone ~ "'") }}
    {%- endif -%}
    {{ return(zone) }}
{%- endmacro %}

{% macro kpi_utc_to_local(ts) -%}
    {{ return(adapter.dispatch('kpi_utc_to_local', 'asyncwfm')(ts)) }}
{%- endmacro %}

{# timezone('UTC', naive) reads the naive value as UTC (-> timestamptz); timezone(zone, timestamptz) gives the
   zone's wall clock. Independent of the session TimeZone. #}
{% macro duckdb__kpi_utc_to_local(ts) -%}
    timezone('{{ asyncwfm.kpi_site_timezone() }}', timezone('UTC', {{ ts }}))
{%- endmacro %}

{# Spark / Databricks #}
{% macro spark__kpi_utc_to_local(ts) -%}
    from_utc_timestamp({{ ts }}, '{{ asyncwfm.kpi_site_timezone() }}')
{%- endmacro %}

{% macro kpi_local_interval_floor(local_ts) -%}
    {%- set minutes = asyncwfm.kpi_interval_minutes() -%}
    {%- set day_start = dbt.date_trunc('day', local_ts) -%}
    {{ dbt.dateadd(
        'minute',
        'cast(floor(' ~ dbt.datediff(day_start, local_ts, 'minute') ~ ' / ' ~ minutes ~ ') as ' ~ dbt.type_int() ~ ') * ' ~ minutes,
        day_start
    ) }}
{%- endmacro %}

{#
    UTC start = local floor - UTC offset, the offset being (local - utc) at the instant itself. Sub-second parts
    cancel in the offset, so the result is exact.
#}
{% macro kpi_interval_start_utc(ts) -%}
    {%- set local_ts = asyncwfm.kpi_utc_to_local(ts) -%}
    {{ dbt.dateadd(
        'second',
        '-1 * ' ~ dbt.datediff(ts, local_ts, 'second'),
        asyncwfm.kpi_local_interval_floor(local_ts)
    ) }}
{%- endmacro %}

{% macro kpi_interval_start_local(ts) -%}
    {{ asyncwfm.kpi_local_interval_floor(asyncwfm.kpi_utc_to_local(ts)) }}
{%- endmacro %}

{% macro kpi_timestamp_series(start_at, end_at, step_minutes) -%}
    {{ return(adapter.dispatch('kpi_timestamp_series', 'asyncwfm')(start_at, end_at, step_minutes)) }}
{%- endmacro %}

{% macro duckdb__kpi_timestamp_series(start_at, end_at, step_minutes) -%}
    unnest(generate_series({{ start_at }}, {{ end_at }}, to_minutes(cast({{ step_minutes }} as bigint)))) as series(series_at)
{%- endmacro %}

{# Spark / Databricks #}
{% macro spark__kpi_timestamp_series(start_at, end_at, step_minutes) -%}
    explode(sequence({{ start_at }}, {{ end_at }}, make_interval(0, 0, 0, 0, 0, {{ step_minutes }}, 0))) as series(series_at)
{%- endmacro %}

{#
    Interval index on the spine's fixed UTC grid (DECISIONLOG "Interval bucketing by arithmetic"): interval k of
    the spine starts at grid_start_at + k * interval_minutes, so the interval holding an instant ts is
    k = floor(seconds(grid_start_at -> ts) / step). grid_start_at must be a grid point (the spine's first
    interval_start_utc, a whole minute).

    kpi_interval_index(grid_start_at, ts)   bigint index of the grid interval holding ts (negative before it)

    On DuckDB seconds_between is exact to the microsecond, so the index is exact; engines whose default__
    seconds_between truncates to whole seconds still give floor(seconds / step) because the step is a whole
    number of seconds. Callers keep the original range predicates as a residual join filter, so the index only
    has to name a superset of the intervals a row touches.
#}
{% macro kpi_interval_index(grid_start_at, ts) -%}
    cast(floor({{ asyncwfm.seconds_between(grid_start_at, ts) }} / {{ asyncwfm.kpi_interval_minutes() * 60 }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#
    kpi_indexed_intervals(): the CTEs `intervals` (the spine), `grid` (grid_start_at: its first
    interval_start_utc; grid_end_index: one past the index of its last interval) and `indexed_intervals`
    (interval_start_utc, interval_end_utc, interval_index) that the interval-bucketing models equi-join on (no
    trailing comma: the caller writes it).
#}
{% macro kpi_indexed_intervals() -%}
intervals as (
    select * from {{ ref('int_kpi_intervals_spined') }}
),

grid as (
    select
        grid_start_at,
        {{ asyncwfm.kpi_interval_index('grid_start_at', 'grid_last_at') }} + 1 as grid_end_index
    from (
        select
            min(interval_start_utc) as grid_start_at,
            max(interval_start_utc) as grid_last_at
        from intervals
    ) as bounds
),

indexed_intervals as (
    select
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        {{ asyncwfm.kpi_interval_index('grid.grid_start_at', 'intervals.interval_start_utc') }} as interval_index
    from intervals
    cross join grid
)
{%- endmacro %}

{#
    kpi_span_interval_indexes(started_at, ended_at): the select expressions first_interval_index and
    end_interval_index (exclusive) of the spine intervals a span [started_at, ended_at) may touch, clipped to the
    spine; needs the `grid` CTE of kpi_indexed_intervals in scope. A span ending exactly on a boundary names one
    interval too many: callers keep the overlap predicates as a residual join filter.
#}
{% macro kpi_span_interval_indexes(started_at, ended_at) -%}
    greatest({{ asyncwfm.kpi_interval_index('grid.grid_start_at', started_at) }}, 0) as first_interval_index,
    least({{ asyncwfm.kpi_interval_index('grid.grid_start_at', ended_at) }} + 1, grid.grid_end_index)
        as end_interval_index
{%- endmacro %}

{#
    Seconds of the overlap of [a_start, a_end) and [b_start, b_end) (0 when they do not overlap).
#}
{% macro kpi_overlap_seconds(a_start, a_end, b_start, b_end) -%}
    greatest(
        {{ asyncwfm.seconds_between(
            'greatest(' ~ a_start ~ ', ' ~ b_start ~ ')',
            'least(' ~ a_end ~ ', ' ~ b_end ~ ')'
        ) }},
        0
    )
{%- endmacro %}

{# 8-byte floating point for seconds and ratios (dbt.type_float() is a 4-byte FLOAT on DuckDB). #}
{% macro kpi_type_double() -%}
    {{ return(adapter.dispatch('kpi_type_double', 'asyncwfm')()) }}
{%- endmacro %}

{% macro default__kpi_type_double() -%}
    double
{%- endmacro %}

{% macro default__kpi_utc_to_local(ts) -%}
    {{ asyncwfm.unsupported_adapter("kpi_utc_to_local", "duckdb__ and spark__") }}
{%- endmacro %}

{% macro default__kpi_timestamp_series(start_at, end_at, step_minutes) -%}
    {{ asyncwfm.unsupported_adapter("kpi_timestamp_series", "duckdb__ and spark__") }}
{%- endmacro %}
