"""The refresh job: ingestion, dbt, quality gates and staffing in ONE run, so blocking checks hold."""

import dagster as dg

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(include_sources=False),
    description="Ingest the landing zone, build the marts, run the quality gates, then staffing.",
)

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="30 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
