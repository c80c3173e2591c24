"""Every dbt unit test of the project passes (they run here, in CI, not in each warehouse refresh).

`asyncwfm run` builds with ``--exclude-resource-type unit_test``: unit tests check SQL logic on fixed inputs,
so running them against every refresh only costs time (dbt's own advice: run them in development and CI).
This module is where CI runs all of them: the relations they read are created empty (``dbt build --empty``
of models and seeds over a raw layer loaded from the small fixture landing zone), then
``dbt test --select test_type:unit``.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_reference_case import ingest_landing, run_dbt


def _unit_tests_in_manifest(target: Path) -> set[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    return set(manifest.get("unit_tests", {}))


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    ingest_landing(warehouse)
    relations = ["--empty", "--exclude-resource-type", "test", "unit_test"]
    everything = "resource_type:model resource_type:seed"
    run_dbt(warehouse, tmp_path, command="build", select=everything, extra=relations)
    run_dbt(warehouse, tmp_path, command="test", select="test_type:unit")

    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    ran = {r["unique_id"]: r["status"] for r in results}
    expected = _unit_tests_in_manifest(tmp_path / "target")
    assert len(expected) >= 20, sorted(expected)  # the project has unit tests for every counting rule
    assert set(ran) == expected
    assert set(ran.values()) == {"pass"}, {uid: status for uid, status in ran.items() if status != "pass"}
