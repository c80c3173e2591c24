"""Staffing settings: the dbt project's vars (one home for interval length and forecast window),
overridable per run by environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration.paths import DBT_PROJECT_DIR

ENV_PREFIX = "ASYNCWFM_"


@dataclass(frozen=True)
class StaffingSettings:
    """Global settings of SPEC §6–§7 (per-channel rules live in the channel_policies seed)."""

    interval_minutes: int = 15
    forecast_days: int = 7
    forecast_weeks: int = 4
    min_aht_contacts: float = 5.0  # below this many contacts in a slot, the forecast AHT is the queue's

    @property
    def interval_seconds(self) -> int:
        return self.interval_minutes * 60


def load_settings(project_yml: Path | None = None) -> StaffingSettings:
    """Read ``vars`` of dbt_project.yml, then ``ASYNCWFM_INTERVAL_MINUTES`` / ``…_FORECAST_DAYS`` /
    ``…_FORECAST_WEEKS`` from the environment; defaults 15 / 7 / 4."""
    path = project_yml or DBT_PROJECT_DIR / "dbt_project.yml"
    dbt_vars: dict[str, object] = {}
    if path.exists():
        dbt_vars = (yaml.safe_load(path.read_text()) or {}).get("vars") or {}
    values: dict[str, int] = {}
    for name, default in (("interval_minutes", 15), ("forecast_days", 7), ("forecast_weeks", 4)):
        raw = os.environ.get(ENV_PREFIX + name.upper(), dbt_vars.get(name, default))
        value = int(raw)  # type: ignore[arg-type]
        if value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {raw!r}")
        values[name] = value
    if (24 * 60) % values["interval_minutes"]:
        raise ValueError("interval_minutes must divide a day")
    return StaffingSettings(**values)
