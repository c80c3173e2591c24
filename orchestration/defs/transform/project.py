"""The dbt project as Dagster sees it: one cached DbtProject and a manifest that is never stale."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.paths import DBT_PROJECT_DIR

_SOURCE_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")


def dbt_executable() -> str:
    """dbt next to the running interpreter, so an unactivated virtualenv still works."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_cli_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml"]
    for name in _SOURCE_DIRS:
        folder = project_dir / name
        if folder.is_dir():
            files.extend(p for p in folder.rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in files)


def ensure_manifest() -> Path:
    """Run ``dbt parse`` when the manifest is missing or older than any project file.

    ``DbtProject.prepare_if_dev()`` only acts under ``dagster dev``; the CLI, tests and CI come through here.
    """
    project = dbt_project()
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(project.project_dir):
        # DbtProject.preparer builds its own DbtCliResource that only looks for dbt on PATH.
        dbt_cli_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return manifest
