"""The ingestion multi-asset materializes in-process against a temporary warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from orchestration.defs.ingestion.assets import LEDGER_KEY, QUARANTINE_KEY, ingest_landing_zone
from orchestration.defs.resources import LandingZone
from orchestration.landing import SOURCES

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"


def _resources(tmp_path: Path, landing: Path) -> dict[str, object]:
    return {
        "duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb")),
        "landing": LandingZone(path=str(landing)),
    }


def _metadata(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict[str, object]]:
    return {
        event.asset_key: {k: v.value for k, v in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }


def test_multi_asset_spec():
    keys = set(ingest_landing_zone.keys)
    assert keys == {dg.AssetKey(["raw", s]) for s in SOURCES} | {QUARANTINE_KEY, LEDGER_KEY}
    assert ingest_landing_zone.can_subset
    assert set(ingest_landing_zone.group_names_by_key.values()) == {"ingestion"}
    assert ingest_landing_zone.required_resource_keys >= {"duckdb", "landing"}
    assert ingest_landing_zone.op.pool == "duckdb_writer"


def test_materialize_all_then_rerun(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURE, landing)
    result = dg.materialize([ingest_landing_zone], resources=_resources(tmp_path, landing))
    assert result.success
    meta = _metadata(result)
    assert set(meta) == set(ingest_landing_zone.keys)
    email = meta[dg.AssetKey(["raw", "email"])]
    assert (
        email["rows_loaded"],
        email["rows_quarantined"],
        email["files_new"],
        email["dagster/row_count"],
    ) == (
        3,
        0,
        1,
        3,
    )
    assert meta[LEDGER_KEY]["dagster/row_count"] == 8

    again = _metadata(dg.materialize([ingest_landing_zone], resources=_resources(tmp_path, landing)))
    assert again[dg.AssetKey(["raw", "email"])]["files_skipped"] == 1
    assert again[dg.AssetKey(["raw", "email"])]["rows_loaded"] == 0
    assert again[dg.AssetKey(["raw", "email"])]["dagster/row_count"] == 3

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.agent_activity").fetchall() == [(7,)]


def test_materialize_a_subset(tmp_path):
    result = dg.materialize(
        [ingest_landing_zone],
        selection=[dg.AssetKey(["raw", "voice"]), QUARANTINE_KEY],
        resources=_resources(tmp_path, FIXTURE),
    )
    assert result.success
    assert set(_metadata(result)) == {dg.AssetKey(["raw", "voice"]), QUARANTINE_KEY}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select source from raw.file_ledger").fetchall() == [("voice",)]
        assert con.execute("select count(*) from raw.email").fetchall() == [(0,)]
