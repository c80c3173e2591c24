"""Scheduled operation: the refresh job, a daily schedule, and a sensor that refreshes when files land.

The refresh job runs ingestion, dbt, the quality gates and staffing in ONE run, so blocking checks hold.
Schedule and sensor pass the landing zone (and the optional policy override) as run config of the
``landing`` resource, so a run always reads the folder that was looked at; the Dagster UI's launchpad can
set the same keys by hand::

    resources:
      landing:
        config:
          path: /data/landing          # the landing zone root
          policy_csv: /data/policy.csv # empty: the project's seed policy

The warehouse file is the ``ASYNCWFM_WAREHOUSE`` environment variable of the Dagster process: DuckDB and dbt
(profiles.yml) must write the same file, and dbt reads it from the environment only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.defs.resources import LandingZone
from orchestration.landing import SOURCES

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(include_sources=False),
    description="Ingest the landing zone, build the marts, run the quality gates, then staffing.",
)


def landing_run_config(landing: LandingZone) -> dict[str, Any]:
    """Run config that pins a refresh to this landing zone and policy (see the module docstring)."""
    return {
        "resources": {"landing": {"config": {"path": str(landing.path), "policy_csv": landing.policy_csv}}}
    }


@dg.schedule(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="30 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Refresh everything at 02:30 UTC, after the nightly exports have landed.",
)
def daily_refresh(context: dg.ScheduleEvaluationContext, landing: LandingZone) -> dg.RunRequest:
    scheduled = context.scheduled_execution_time
    return dg.RunRequest(
        run_config=landing_run_config(landing),
        tags={
            "asyncwfm/trigger": "schedule",
            "asyncwfm/scheduled_for": scheduled.isoformat() if scheduled else "",
        },
    )


def _is_landed_file(relative: Path) -> bool:
    """A file of the landing contract (``<source>/dt=…/<name>``), not a hidden or partial upload."""
    parts = relative.parts
    return (
        len(parts) >= 2
        and parts[0] in SOURCES
        and not any(part.startswith(".") for part in parts)
        and not relative.name.endswith((".tmp", ".part", ".partial"))
    )


def landing_fingerprint(root: Path) -> tuple[str, int]:
    """(fingerprint, file count) of the landing zone: a hash of every file's (path, size, mtime).

    A new, re-delivered or rewritten file changes it; reading the folder again without changes does not.
    """
    root = Path(root)
    entries = []
    if root.is_dir():
        for path in root.rglob("*"):
            relative = path.relative_to(root)
            if path.is_file() and _is_landed_file(relative):
                stat = path.stat()
                entries.append(f"{relative.as_posix()}\t{stat.st_size}\t{stat.st_mtime_ns}")
    entries.sort()
    digest = hashlib.sha256("\n".join(entries).encode()).hexdigest()[:20]
    return digest, len(entries)


@dg.sensor(
    name="new_landing_files",
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Start a refresh when files are added to or changed in the landing zone "
    "(cursor: a fingerprint of every landed file's path, size and mtime).",
)
def new_landing_files(context: dg.SensorEvaluationContext, landing: LandingZone):
    root = Path(landing.path)
    if not root.is_dir():
        return dg.SkipReason(
            f"The landing folder {root} does not exist; set ASYNCWFM_LANDING or the landing resource's path."
        )
    fingerprint, files = landing_fingerprint(root)
    if files == 0:
        return dg.SkipReason(f"No landed files under {root} yet (expected <source>/dt=YYYY-MM-DD/<file>).")
    previous = json.loads(context.cursor) if context.cursor else {}
    if previous.get("fingerprint") == fingerprint:
        return dg.SkipReason(f"No new or changed files in {root} ({files} files, unchanged).")
    context.update_cursor(json.dumps({"fingerprint": fingerprint, "files": files}))
    return dg.RunRequest(
        run_key=fingerprint,
        run_config=landing_run_config(landing),
        tags={
            "asyncwfm/trigger": "new_landing_files",
            "asyncwfm/landing_files": str(files),
            "asyncwfm/previous_files": str(previous.get("files", 0)),
        },
    )
