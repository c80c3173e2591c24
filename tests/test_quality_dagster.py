"""The gate in Dagster: a failed blocking suite keeps staffing from being built; fixed data lets it run.

The real staffing assets belong to orchestration/defs/staffing/; here a tiny stand-in that depends on
["quality", "validation_results"] plays their part, so the test only exercises the gate's contract.
"""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from data_quality.suites import SUITES
from data_quality.synthetic import build_staging, build_synthetic
from orchestration.defs.quality.assets import GATE_DEPS, GATE_KEY, suite_checks, validation_results

STAND_IN_KEY = dg.AssetKey(["staffing", "stand_in_requirements"])


@dg.asset(key=STAND_IN_KEY, deps=[GATE_KEY])
def stand_in_requirements(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> None:
    with duckdb.get_connection() as con:
        con.execute("create schema if not exists staffing")
        con.execute("create or replace table staffing.stand_in as select ? as built_by_run", [context.run_id])


def _materialize(warehouse: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [validation_results, *suite_checks, stand_in_requirements],
        resources={"duckdb": DuckDBResource(database=str(warehouse))},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _stand_in(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select built_by_run from staffing.stand_in").fetchall()[0][0]


def _built(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        build_synthetic(con, rows=8_000, days=21)
        con.execute("create schema staffing")
        con.execute("create table staffing.stand_in as select 'previous run' as built_by_run")
    return path


def test_blocking_failure_keeps_staffing_then_fixed_data_rebuilds_it(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:  # two work segments on chats that never happened
        con.execute("update raw.agent_activity set item_id = 'c-ghost' where segment_id in ('seg1', 'seg6')")
        build_staging(con)

    failed = _materialize(warehouse)
    assert GATE_KEY in _built(failed)
    assert STAND_IN_KEY not in _built(failed)
    assert _stand_in(warehouse) == "previous run"  # the old staffing table is untouched
    checks = _checks(failed)
    assert set(checks) == set(SUITES)
    referential = checks["referential"]
    assert not referential.passed and referential.severity == dg.AssetCheckSeverity.ERROR
    metadata = {k: v.value for k, v in referential.metadata.items()}
    assert metadata["table"] == "staging.stg_agent_activity__segments"
    assert metadata["expectation"] == "segment_item_exists"
    assert metadata["failed_rows"] == 2
    assert "seg1" in metadata["examples"]
    assert "segment_item_exists" in (referential.description or "")
    assert all(checks[s].passed for s in SUITES if s != "referential")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute(
            "select count(*), count(*) filter (where not success and severity = 'blocking') "
            "from quality.validation_results where run_id = ?",
            [failed.run_id],
        ).fetchall()[0]
    assert stored[0] > 90 and stored[1] == 1

    with duckdb.connect(str(warehouse)) as con:  # the data is fixed: a clean delivery
        build_synthetic(con, rows=8_000, days=21)
    fixed = _materialize(warehouse)
    assert fixed.success
    assert STAND_IN_KEY in _built(fixed)
    assert _stand_in(warehouse) == fixed.run_id
    assert all(evaluation.passed for evaluation in _checks(fixed).values())


def test_warnings_do_not_block_staffing(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.sms set business_number = '+15550199' where sms_id in ('s1', 's2', 's3')")
        build_staging(con)
    result = _materialize(warehouse)
    assert result.success and STAND_IN_KEY in _built(result)
    queues = _checks(result)["queues"]
    assert queues.passed and queues.severity == dg.AssetCheckSeverity.WARN
    metadata = {k: v.value for k, v in queues.metadata.items()}
    assert metadata["expectation"] == "queue_key_mapped" and metadata["failed_rows"] == 3
    assert "+15550199" in metadata["examples"]


def test_gate_is_wired_into_the_project_definitions() -> None:
    from orchestration.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    gate = graph.get(GATE_KEY)
    assert set(GATE_DEPS) <= set(gate.parent_keys)
    missing = [key.to_user_string() for key in GATE_DEPS if key not in graph.get_all_asset_keys()]
    assert missing == [], "the gate depends on assets the project does not define"
    check_names = {key.name for key in graph.asset_check_keys if key.asset_key == GATE_KEY}
    assert check_names == set(SUITES)
    assert gate.group_name == "quality"


def test_a_suite_switched_off_passes_but_a_gate_that_never_ran_fails() -> None:
    from orchestration.defs.quality.assets import evaluate_suite

    assert evaluate_suite([], "volume", gate_ran=True).passed
    never = evaluate_suite([], "volume", gate_ran=False)
    assert not never.passed and never.severity == dg.AssetCheckSeverity.ERROR
