"""Quality gates on simulated landing zones, through the real ingestion and the real dbt staging models.

- a clean simulated landing zone (3 weeks, so volume is judged) and the small fixture pass every expectation;
- with ``--faults``, every fault type of the simulator's manifest (``<out>.faults.json``) fails the named
  expectation of FAULT_EXPECTATIONS on the right table, with at least as many failing rows as were injected.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from data_quality.runner import ExpectationResult, format_failure, run_gates
from data_quality.suites import QUEUE_KEYS
from orchestration.defs.ingestion.loader import ingest
from orchestration.paths import DBT_PROJECT_DIR, PROJECT_ROOT

SEGMENTS = "staging.stg_agent_activity__segments"


def _queue_table(source: str) -> str:
    return QUEUE_KEYS[source][0]


# fault type of simulator/faults.py -> (expectation, table of the faulty source, severity)
FAULT_EXPECTATIONS = {
    "broken_json": ("quarantine_share_below_warning", lambda s: f"raw.{s}", "warning"),
    "bad_timestamp": ("quarantine_share_below_warning", lambda s: f"raw.{s}", "warning"),
    "missing_required": ("quarantine_share_below_warning", lambda s: f"raw.{s}", "warning"),
    "unknown_queue": ("queue_key_mapped", _queue_table, "warning"),
    "segment_end_before_start": ("ended_not_before_started", lambda s: SEGMENTS, "blocking"),
    "orphan_segment": ("segment_item_exists", lambda s: SEGMENTS, "blocking"),
    "over_concurrency": ("chat_concurrency_within_limit", lambda s: SEGMENTS, "blocking"),
    "late_row": ("rows_arrive_on_time", lambda s: f"raw.{s}", "warning"),
    "duplicate_row": ("id_no_identical_duplicates", lambda s: f"raw.{s}", "warning"),
    "duplicate_file": ("id_no_identical_duplicates", lambda s: f"raw.{s}", "warning"),
}
# faults whose rows are counted one for one by the expectation (the others are counted per agent or file)
ROW_FAULTS = {"unknown_queue", "segment_end_before_start", "orphan_segment", "late_row", "duplicate_row"}
QUARANTINED = {"broken_json", "bad_timestamp", "missing_required"}


def _build_warehouse(landing: Path, warehouse: Path, work: Path) -> None:
    """Ingest the landing zone, then build the dbt seeds and staging models into ``warehouse``."""
    with duckdb.connect(str(warehouse)) as con:
        ingest(con, landing)
    env = {**os.environ, "ASYNCWFM_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).parent / "dbt")
    command = [
        dbt, "build", "--select", "path:seeds", "path:models/staging",
        "--exclude-resource-type", "test", "unit_test",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet",
    ]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _gates(warehouse: Path) -> list[ExpectationResult]:
    with duckdb.connect(str(warehouse)) as con:
        return run_gates(con, "test")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    import simulator

    root = tmp_path_factory.mktemp("quality_sim")
    out: dict[str, object] = {}
    for name, faults in (("clean", False), ("faulty", True)):
        landing = root / name
        simulator.generate(landing, days=21, seed=11, agents=12, faults=faults)
        warehouse = root / f"{name}.duckdb"
        _build_warehouse(landing, warehouse, root / f"{name}_dbt")
        out[name] = _gates(warehouse)
    out["manifest"] = json.loads((root / "faulty.faults.json").read_text())
    yield out


def test_clean_simulated_landing_zone_passes_every_expectation(simulated: dict[str, object]) -> None:
    results: list[ExpectationResult] = simulated["clean"]  # type: ignore[assignment]
    failed = [format_failure(r) for r in results if not r.success]
    assert failed == []
    judged = [r for r in results if r.expectation == "volume_within_band" and r.element_count]
    assert judged, "three weeks of history: volume bands are judged"


def test_every_simulated_fault_type_fails_its_named_expectation(simulated: dict[str, object]) -> None:
    results: list[ExpectationResult] = simulated["faulty"]  # type: ignore[assignment]
    manifest: dict = simulated["manifest"]  # type: ignore[assignment]
    by_key = {(r.expectation, r.table_name): r for r in results}
    injected = Counter((f["type"], f["source"]) for f in manifest["faults"])
    assert {kind for kind, _ in injected} == set(FAULT_EXPECTATIONS), "a new fault type needs an expectation"
    quarantined: Counter[str] = Counter()
    for (kind, source), count in injected.items():
        expectation, table_of, severity = FAULT_EXPECTATIONS[kind]
        result = by_key[(expectation, table_of(source))]
        assert not result.success, f"{kind} in {source} not caught by {expectation}"
        assert result.severity == severity
        assert result.examples
        if kind in ROW_FAULTS:
            assert result.unexpected_count is not None and result.unexpected_count >= count, (kind, source)
        if kind in QUARANTINED:
            quarantined[source] += count
    for source, count in quarantined.items():  # every quarantined fault is counted (warning threshold 0)
        result = by_key[("quarantine_share_below_warning", f"raw.{source}")]
        assert result.unexpected_count is not None and result.unexpected_count >= count, source
    # the faults that corrupt staffing inputs block; rows that were quarantined or re-delivered only warn
    blocking = {r.expectation for r in results if r.is_blocking_failure}
    assert {"ended_not_before_started", "segment_item_exists", "chat_concurrency_within_limit"} <= blocking


def test_small_fixture_landing_zone_passes_every_expectation(tmp_path: Path) -> None:
    warehouse = tmp_path / "small.duckdb"
    _build_warehouse(PROJECT_ROOT / "tests" / "fixtures" / "landing_small", warehouse, tmp_path)
    failed = [format_failure(r) for r in _gates(warehouse) if not r.success]
    assert failed == []
