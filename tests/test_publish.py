"""The published warehouse (issue 10): what the asset depends on and what ``publish`` writes (no pipeline).

The end-to-end behaviour under SIGKILL and concurrent readers is in tests/test_reliability.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.publish.assets import PUBLISHED_KEY, QUALITY_GATE, upstream_keys
from orchestration.defs.publish.publisher import publish, published_path


@pytest.fixture(scope="module")
def definitions():
    from orchestration.definitions import defs

    return defs()


def test_published_path_is_beside_the_warehouse():
    assert published_path(Path("/d/warehouse.duckdb")) == Path("/d/warehouse.published.duckdb")
    assert published_path(Path("/d/w")) == Path("/d/w.published.duckdb")


def test_publish_depends_on_every_marts_asset(definitions):
    graph = definitions.resolve_asset_graph()
    node = graph.get(PUBLISHED_KEY)
    marts = {key for key in definitions.resolve_all_asset_keys() if key.path[0] == "marts"}
    assert {
        dg.AssetKey(["marts", "fct_staffing_requirements"]),
        dg.AssetKey(["marts", "fct_volume_forecast"]),
        dg.AssetKey(["marts", "forecast_backtest"]),
        dg.AssetKey(["marts", "fct_contacts"]),
    } <= marts
    assert marts | {QUALITY_GATE} == set(node.parent_keys) == set(upstream_keys())
    assert node.group_name == "publish"
    assert definitions.resolve_assets_def(PUBLISHED_KEY).op.pool == "duckdb_writer"
    # In the refresh job, so a scheduled or sensor run publishes too.
    job = definitions.resolve_job_def("refresh")
    assert PUBLISHED_KEY in job.asset_layer.selected_asset_keys


def _working(path: Path, contacts: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists quality")
        con.execute("create schema if not exists staging")
        con.execute("create schema if not exists raw")
        con.execute(
            "create or replace table marts.fct_contacts as "
            "select i as contact_id, 'v1' as policy_version from range(?) t(i)",
            [contacts],
        )
        con.execute("create or replace table marts.agg_interval_kpis as select 1 as x")
        con.execute("create or replace table marts.fct_staffing_requirements__new as select 1 as leftover")
        con.execute("create or replace table quality.validation_results as select 'ok' as status")
        con.execute("create or replace table staging.stg_secret as select 'ann@example.com' as email")
        con.execute("create or replace table raw.file_ledger as select 'email' as source, 'p' as path")
        con.execute(
            """
            create or replace table raw.quarantine as
            select * from (values
                ('email', 'email/dt=2026-01-05/a.jsonl', 3, 'broken JSON', '{"body": "my secret"',
                 now()::timestamp),
                ('email', 'email/dt=2026-01-05/a.jsonl', 4,
                 'unknown direction value ''ann@example.com''; missing required field: sent_at',
                 '{"direction": "ann@example.com"}', now()::timestamp)
            ) t(source, _file, _line, reason, raw_text, _ingested_at)
            """
        )


def _read(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        run_id, counts = con.execute("select run_id, row_counts from meta.publication").fetchall()[0]
        n = con.execute("select count(*) from marts.fct_contacts").fetchall()[0][0]
        return run_id, counts, n


def test_publish_copies_bi_tables_only_and_swaps_atomically(tmp_path: Path):
    folder = tmp_path / "it's a; drop table x; -- folder"  # the path goes into ATTACH as a literal
    folder.mkdir()
    warehouse = folder / "warehouse.duckdb"
    target = published_path(warehouse)
    _working(warehouse, 3)
    leftover = target.with_name(target.name + ".tmp-999-dead")
    leftover.write_bytes(b"half a file from a killed publish")

    with duckdb.connect(str(warehouse)) as con:
        summary = publish(con, target, "run-1")
    assert summary.removed_leftovers == [leftover.name]
    assert not leftover.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["warehouse.duckdb", "warehouse.published.duckdb"]

    with duckdb.connect(str(target), read_only=True) as con:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        assert tables == {
            "marts.fct_contacts",
            "marts.agg_interval_kpis",
            "quality.validation_results",
            "raw.file_ledger",
            "raw.quarantine_summary",
            "meta.publication",
            "meta.published_tables",
        }
        summary_rows = con.execute(
            "select reason, rows_quarantined from raw.quarantine_summary order by reason"
        ).fetchall()
        assert summary_rows == [("broken JSON", 1), ("unknown direction value (withheld)", 1)]
        assert "raw_text" not in {
            c for (c,) in con.execute("select column_name from information_schema.columns").fetchall()
        }
        publication = con.execute(
            "select run_id, policy_version, n_tables, source_warehouse from meta.publication"
        ).fetchall()
        assert publication == [("run-1", "v1", 5, "warehouse.duckdb")]
        assert con.execute(
            "select row_count from meta.published_tables where table_name = 'marts.fct_contacts'"
        ).fetchall() == [(3,)]

    # A reader that has version 1 open keeps reading version 1 after version 2 is published; a new reader
    # gets version 2. Neither ever gets a lock error.
    old_reader = duckdb.connect(str(target), read_only=True)
    try:
        old_inode = os.stat(target).st_ino
        _working(warehouse, 5)
        with duckdb.connect(str(warehouse)) as con:
            publish(con, target, "run-2")
        assert os.stat(target).st_ino != old_inode
        assert old_reader.execute("select count(*) from marts.fct_contacts").fetchall() == [(3,)]
        assert old_reader.execute("select run_id from meta.publication").fetchall() == [("run-1",)]
    finally:
        old_reader.close()
    assert _read(target)[0] == "run-2" and _read(target)[2] == 5
    assert not Path(f"{target}.wal").exists()


def test_failed_publish_leaves_the_previous_version(tmp_path: Path, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    target = published_path(warehouse)
    _working(warehouse, 2)
    with duckdb.connect(str(warehouse)) as con:
        publish(con, target, "good")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("orchestration.defs.publish.publisher.os.replace", broken_replace)
    _working(warehouse, 7)
    with duckdb.connect(str(warehouse)) as con, pytest.raises(OSError):
        publish(con, target, "bad")
    assert _read(target)[0] == "good" and _read(target)[2] == 2
    assert list(tmp_path.glob("*.tmp-*")) == []


def test_failed_blocking_check_keeps_the_previous_publication(tmp_path: Path):
    """The asset depends on the quality gate: a failed blocking check skips it, BI keeps the last version."""
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.publish.assets import published_warehouse

    warehouse = tmp_path / "w.duckdb"
    target = published_path(warehouse)

    def refresh(contacts: int, gate_passes: bool) -> dg.ExecuteInProcessResult:
        _working(warehouse, contacts)

        @dg.asset(key=QUALITY_GATE)
        def gate() -> None:
            return None

        @dg.asset_check(asset=QUALITY_GATE, name="suite", blocking=True)
        def suite() -> dg.AssetCheckResult:
            return dg.AssetCheckResult(passed=gate_passes, severity=dg.AssetCheckSeverity.ERROR)

        return dg.materialize(
            [gate, suite, published_warehouse],
            resources={"duckdb": DuckDBResource(database=str(warehouse))},
            raise_on_error=False,
        )

    assert refresh(2, gate_passes=True).success
    first = _read(target)
    assert first[2] == 2
    failed = refresh(9, gate_passes=False)
    assert not failed.success
    assert PUBLISHED_KEY not in {
        e.asset_key for e in failed.all_events if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    assert _read(target) == first
    assert refresh(9, gate_passes=True).success
    assert _read(target)[2] == 9
