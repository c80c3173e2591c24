"""Staffing settings come from the dbt project's vars, overridable by environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.defs.staffing.config import load_settings


def test_defaults_from_dbt_project_and_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    settings = load_settings()
    assert (settings.interval_minutes, settings.forecast_days, settings.forecast_weeks) == (15, 7, 4)
    assert settings.interval_seconds == 900
    monkeypatch.setenv("ASYNCWFM_INTERVAL_MINUTES", "30")
    assert load_settings().interval_seconds == 1800
    monkeypatch.setenv("ASYNCWFM_INTERVAL_MINUTES", "7")
    with pytest.raises(ValueError, match="divide a day"):
        load_settings()
    monkeypatch.delenv("ASYNCWFM_INTERVAL_MINUTES")
    project = tmp_path / "dbt_project.yml"
    project.write_text("vars:\n  interval_minutes: 60\n  forecast_weeks: 6\n")
    custom = load_settings(project)
    assert (custom.interval_minutes, custom.forecast_days, custom.forecast_weeks) == (60, 7, 6)
