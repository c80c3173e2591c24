"""Scheduled operation: the daily schedule and the new_landing_files sensor, with Dagster's test helpers."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.jobs import daily_refresh, landing_fingerprint, new_landing_files
from orchestration.defs.resources import LandingZone


@pytest.fixture(scope="module")
def definitions():
    from orchestration.definitions import defs

    return defs()


def _land(root: Path, source: str, day: str, name: str, text: str) -> Path:
    path = root / source / f"dt={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _tick(landing: LandingZone, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources={"landing": landing})
    result = new_landing_files(context)
    return result, context.cursor


def test_sensor_requests_a_run_for_new_and_changed_files_only(tmp_path):
    landing = LandingZone(path=str(tmp_path), policy_csv="")

    result, cursor = _tick(landing, None)
    assert isinstance(result, dg.SkipReason) and "No landed files" in result.skip_message

    first = _land(tmp_path, "email", "2026-01-05", "export.jsonl", '{"message_id": "m1"}\n')
    result, cursor = _tick(landing, cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.run_key == landing_fingerprint(tmp_path)[0]
    assert result.run_config["resources"]["landing"]["config"]["path"] == str(tmp_path)
    first_key = result.run_key

    result, cursor = _tick(landing, cursor)  # nothing new
    assert isinstance(result, dg.SkipReason) and "No new or changed files" in result.skip_message

    (tmp_path / "email" / "dt=2026-01-05" / ".upload.tmp").write_text("half a file")
    (tmp_path / "README.txt").write_text("not a landing file")
    result, cursor = _tick(landing, cursor)  # hidden uploads and stray files are ignored
    assert isinstance(result, dg.SkipReason)

    first.write_text('{"message_id": "m1"}\n{"message_id": "m2"}\n')  # re-delivered with more rows
    result, cursor = _tick(landing, cursor)
    assert isinstance(result, dg.RunRequest) and result.run_key != first_key
    second_key = result.run_key

    _land(tmp_path, "voice", "2026-01-06", "cdr.csv", "call_id\n")  # a new file
    result, cursor = _tick(landing, cursor)
    assert isinstance(result, dg.RunRequest) and result.run_key not in (first_key, second_key)
    assert result.tags["asyncwfm/landing_files"] == "2"


def test_sensor_notices_a_touched_file_with_the_same_size(tmp_path):
    landing = LandingZone(path=str(tmp_path))
    path = _land(tmp_path, "sms", "2026-01-05", "a.csv", "sms_id\n1\n")
    _, cursor = _tick(landing, None)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    result, _ = _tick(landing, cursor)
    assert isinstance(result, dg.RunRequest)


def test_sensor_on_a_missing_landing_folder_says_so(tmp_path):
    result, cursor = _tick(LandingZone(path=str(tmp_path / "nowhere")), None)
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message
    assert cursor is None


def test_sensor_run_config_is_valid_for_the_refresh_job(tmp_path, definitions):
    _land(tmp_path, "chat", "2026-01-05", "a.jsonl", "{}\n")
    landing = LandingZone(path=str(tmp_path), policy_csv=str(tmp_path / "policy.csv"))
    result, _ = _tick(landing, None)
    job = definitions.resolve_job_def("refresh")
    resolved = dg.validate_run_config(job, result.run_config)
    assert resolved["resources"]["landing"]["config"] == {
        "path": str(tmp_path),
        "policy_csv": str(tmp_path / "policy.csv"),
    }
    sensor = definitions.resolve_sensor_def("new_landing_files")
    assert sensor.job_name == "refresh"


def test_daily_schedule_targets_refresh_with_valid_run_config(tmp_path, definitions):
    schedule = definitions.resolve_schedule_def("daily_refresh")
    assert schedule.cron_schedule == "30 2 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "refresh"
    landing = LandingZone(path=str(tmp_path), policy_csv="")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 1, 6, 2, 30, tzinfo=UTC), resources={"landing": landing}
    )
    request = daily_refresh(context)
    assert isinstance(request, dg.RunRequest)
    resolved = dg.validate_run_config(definitions.resolve_job_def("refresh"), request.run_config)
    assert resolved["resources"]["landing"]["config"]["path"] == str(tmp_path)
    assert request.tags["asyncwfm/scheduled_for"].startswith("2026-01-06T02:30")


def test_every_asset_has_a_stage_group_and_a_description(definitions):
    graph = definitions.resolve_asset_graph()
    stages = {"ingestion", "seeds", "staging", "intermediate", "marts", "quality", "staffing", "publish"}
    problems = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue  # external sources such as the policy override table
        if node.group_name not in stages:
            problems.append(f"{key.to_user_string()}: group {node.group_name}")
        if not node.description:
            problems.append(f"{key.to_user_string()}: no description")
    assert not problems, problems
