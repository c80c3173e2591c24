"""The gate configuration: data_quality/gates.yml, overridable by a YAML file named in ASYNCWFM_GATES."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

GATES_ENV = "ASYNCWFM_GATES"
DEFAULT_GATES = Path(__file__).with_name("gates.yml")
SEVERITIES = ("blocking", "warning", "off")


class GateConfigError(ValueError):
    """The gates file is malformed; the message names the key."""


@dataclass(frozen=True)
class GateConfig:
    tolerances: dict[str, float] = field(default_factory=dict)
    expectations: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = str(DEFAULT_GATES)

    def tolerance(self, key: str) -> float:
        if key not in self.tolerances:
            raise GateConfigError(f"gates config: missing tolerance {key!r} in {self.source}")
        return float(self.tolerances[key])

    def _setting(self, name: str, table: str, key: str, default: Any) -> Any:
        for candidate in (f"{name}@{table}", name):
            entry = self.expectations.get(candidate)
            if entry and key in entry:
                return entry[key]
        return default

    def severity(self, name: str, table: str) -> str:
        return str(self._setting(name, table, "severity", "blocking"))

    def allowed_share(self, name: str, table: str) -> float:
        return float(self._setting(name, table, "allowed_share", 0.0))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise GateConfigError(f"cannot read the gates file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise GateConfigError(f"the gates file {path} must be a mapping with tolerances: and expectations:")
    unknown = set(data) - {"tolerances", "expectations"}
    if unknown:
        raise GateConfigError(f"the gates file {path} has unknown top-level keys: {sorted(unknown)}")
    return data


def _validate(config: GateConfig) -> GateConfig:
    for key, value in config.tolerances.items():
        if not isinstance(value, int | float) or value < 0:
            raise GateConfigError(f"{config.source}: tolerances.{key} must be a number ≥ 0, got {value!r}")
    for name, entry in config.expectations.items():
        if isinstance(entry, dict) and entry.get("severity") is False:
            entry["severity"] = "off"  # YAML 1.1 reads a bare `off` as false
        if not isinstance(entry, dict):
            raise GateConfigError(
                f"{config.source}: expectations.{name} must be a mapping like {{severity: warning}}"
            )
        severity = entry.get("severity", "blocking")
        if severity not in SEVERITIES:
            raise GateConfigError(
                f"{config.source}: expectations.{name}.severity must be one of {SEVERITIES}, got {severity!r}"
            )
        share = entry.get("allowed_share", 0.0)
        if not isinstance(share, int | float) or not 0 <= share <= 1:
            raise GateConfigError(f"{config.source}: expectations.{name}.allowed_share must be in [0, 1]")
    return config


def load_config(path: Path | str | None = None) -> GateConfig:
    """The project's gates.yml, merged with ``path`` (or the file named by ASYNCWFM_GATES) when given."""
    base = _read(DEFAULT_GATES)
    tolerances = dict(base.get("tolerances") or {})
    expectations = {k: dict(v) for k, v in (base.get("expectations") or {}).items()}
    source = str(DEFAULT_GATES)
    override = path if path is not None else os.environ.get(GATES_ENV) or None
    if override:
        user_path = Path(override)
        user = _read(user_path)
        tolerances.update(user.get("tolerances") or {})
        for name, entry in (user.get("expectations") or {}).items():
            if not isinstance(entry, dict):
                raise GateConfigError(
                    f"{user_path}: expectations.{name} must be a mapping like {{severity: warning}}"
                )
            expectations[name] = {**expectations.get(name, {}), **entry}
        source = f"{DEFAULT_GATES} + {user_path}"
    return _validate(GateConfig(tolerances=tolerances, expectations=expectations, source=source))
