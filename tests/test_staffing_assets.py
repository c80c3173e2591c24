"""The staffing assets materialize in-process against a temporary warehouse filled by hand (SPEC §6–§7)."""

from __future__ import annotations

import math
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from orchestration.defs.staffing import assets as staffing_assets
from orchestration.paths import DEFAULT_POLICY_CSV

START = pd.Timestamp("2026-03-02")  # a Monday
DAYS = 15
VOICE_PEAK = START + pd.Timedelta(days=14, hours=10)  # 50 calls, AHT 180 s in 15 min → A = 10


def _kpis() -> pd.DataFrame:
    times = pd.date_range(START, periods=DAYS * 96, freq="15min")
    hour = times.hour.to_numpy()
    busy = ((hour >= 8) & (hour < 18)).astype(float)
    frames = []
    for queue_id, channel, per_interval, aht in (
        ("voice_main", "voice", 20, 240.0),
        ("chat_web", "chat", 12, 150.0),
        ("email_support", "email", 6, 600.0),
    ):
        contacts = busy * per_interval
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": times,
                    "queue_id": queue_id,
                    "channel": channel,
                    "contacts_offered": contacts,
                    "messages_inbound": contacts,
                    "handle_seconds_worked": contacts * aht,
                    "aht_seconds": np.where(contacts > 0, aht, np.nan),
                    "avg_concurrency": 2.0 if channel == "chat" else 1.0,
                    "abandoned": 0.0,
                    "backlog_end": 3.0 if channel == "email" else 0.0,
                }
            )
        )
    kpis = pd.concat(frames, ignore_index=True)
    peak = (kpis["interval_start"] == VOICE_PEAK) & (kpis["channel"] == "voice")
    kpis.loc[peak, ["contacts_offered", "aht_seconds"]] = [50.0, 180.0]
    return kpis


def _fill_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    for schema in ("marts", "staging", "intermediate"):
        con.execute(f"create schema {schema}")
    kpis = _kpis()
    con.register("kpis", kpis)
    con.execute("create table marts.agg_interval_kpis as select * from kpis")
    con.execute(
        f"""
        create table staging.stg_seeds__channel_policies as
        select *, 'pv-test' as policy_version from read_csv('{DEFAULT_POLICY_CSV}', header = true)
        """
    )
    # paid 10 000 s (everything but offline), shrinkage states 900 + 1200 + 300 + 100 = 2500 s → 25 %
    spans = [
        ("a1", "available", 0, 3500),
        ("a1", "busy", 3500, 7500),
        ("a1", "break", 7500, 8400),
        ("a1", "lunch", 8400, 9600),
        ("a2", "meeting", 0, 300),
        ("a2", "training", 300, 400),
        ("a2", "offline", 400, 50_000),
    ]
    con.execute(
        "create table staging.stg_agent_states__spans (agent_id varchar, state varchar, "
        "started_at timestamp, ended_at timestamp)"
    )
    for agent, state, s, e in spans:
        con.execute(
            "insert into staging.stg_agent_states__spans values (?, ?, ?, ?)",
            [agent, state, START + pd.Timedelta(seconds=s), START + pd.Timedelta(seconds=e)],
        )
    # voice waits: answered after 10, 20, 30 s, one abandon after 40 s → patience = 100 s / 1 abandon
    con.execute(
        "create table intermediate.int_messages_unified (queue_id varchar, channel varchar, "
        "occurred_at timestamp, answered_at timestamp, ended_at timestamp, is_abandoned boolean)"
    )
    for wait, abandoned in ((10, False), (20, False), (30, False), (40, True)):
        t0 = START + pd.Timedelta(hours=9)
        t1 = t0 + pd.Timedelta(seconds=wait)
        con.execute(
            "insert into intermediate.int_messages_unified values ('voice_main', 'voice', ?, ?, ?, ?)",
            [t0, None if abandoned else t1, t1 if abandoned else t1 + pd.Timedelta(seconds=200), abandoned],
        )
    con.close()


STAFFING = [
    staffing_assets.fct_volume_forecast,
    staffing_assets.fct_staffing_requirements,
    staffing_assets.forecast_backtest,
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("staffing") / "warehouse.duckdb"
    _fill_warehouse(path)
    result = dg.materialize(STAFFING, resources={"duckdb": DuckDBResource(database=str(path))})
    assert result.success
    return path


def _query(path: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_tables_have_the_contract_columns(warehouse: Path):
    for table, schema in (
        ("fct_volume_forecast", staffing_assets.FORECAST_SCHEMA),
        ("fct_staffing_requirements", staffing_assets.STAFFING_SCHEMA),
        ("forecast_backtest", staffing_assets.BACKTEST_SCHEMA),
    ):
        cols = _query(warehouse, f"describe marts.{table}")
        assert cols["column_name"].tolist() == list(schema)
    leftovers = _query(
        warehouse, "select table_name from information_schema.tables where table_name like '%__new'"
    )
    assert leftovers.empty


def test_forecast_rows(warehouse: Path):
    fc = _query(warehouse, "select * from marts.fct_volume_forecast")
    assert len(fc) == 3 * 7 * 96
    assert fc["interval_start"].min() == START + pd.Timedelta(days=DAYS)
    assert set(fc["policy_version"]) == {"pv-test"}
    # the forecast starts on Tuesday (day 15); Monday 10:00 of day 21 uses the Mondays that exist (days 0,
    # 7 and 14, the last one the 50-call peak): (20 + 20 + 50) / 3
    row = fc[
        (fc["queue_id"] == "voice_main") & (fc["interval_start"] == START + pd.Timedelta(days=21, hours=10))
    ]
    assert row["based_on_weeks"].item() == 3
    assert row["forecast_contacts"].item() == pytest.approx((20 + 20 + 50) / 3)


def test_erlang_c_row_with_shrinkage_and_erlang_a(warehouse: Path):
    peak = _query(
        warehouse,
        f"select * from marts.fct_staffing_requirements where queue_id = 'voice_main' "
        f"and interval_start = '{VOICE_PEAK}'",
    ).iloc[0]
    assert peak["method"] == "erlang_c"
    assert not peak["is_forecast"]
    assert peak["workload_seconds"] == pytest.approx(9000.0)
    # SPEC §10.2 per 15 min: A = 10, 14 agents (88.8 %); voice max occupancy 0.85 does not bind (10/14)
    assert peak["required_agents"] == 14
    assert round(peak["expected_service_level"], 3) == 0.888
    assert peak["shrinkage"] == pytest.approx(0.25)
    assert peak["required_scheduled_agents"] == math.ceil(14 / 0.75)
    assert peak["erlang_a_agents"] <= 14
    assert 0.8 <= peak["erlang_a_service_level"] <= 1
    assert peak["policy_version"] == "pv-test"


def test_methods_by_channel_and_forecast_rows(warehouse: Path):
    df = _query(warehouse, "select * from marts.fct_staffing_requirements")
    methods = df.groupby("channel")["method"].unique().map(list).to_dict()
    assert methods == {"chat": ["erlang_c_concurrency"], "email": ["deferred"], "voice": ["erlang_c"]}
    assert df.groupby("is_forecast").size().to_dict() == {False: 3 * DAYS * 96, True: 3 * 7 * 96}
    quiet = df[(df["contacts"] == 0) & (df["channel"] != "email")]
    assert (quiet["required_agents"] == 0).all()
    assert df[df["channel"] == "chat"]["erlang_a_agents"].isna().all()
    # deferred: cumulative capacity covers the work that is due (target 1 day, max occupancy 0.9)
    email = df[(df["channel"] == "email") & ~df["is_forecast"]].sort_values("interval_start")
    capacity = np.cumsum(email["required_agents"].to_numpy()) * 900 * 0.9
    work = email["workload_seconds"].to_numpy()
    due = np.concatenate([np.zeros(96), np.cumsum(work)[:-96]])  # arrivals due exactly one day later
    assert np.all(capacity + 1e-6 >= due)


def test_backtest_rows(warehouse: Path):
    bt = _query(warehouse, "select * from marts.forecast_backtest order by queue_id")
    assert bt["queue_id"].tolist() == ["chat_web", "email_support", "voice_main"]
    assert (bt["week_start"] == START + pd.Timedelta(days=8)).all()
    assert bt["policy_version"].notna().all() and bt["policy_version"].nunique() == 1
    # email and chat repeat exactly: WAPE 0; voice misses the 50-call peak by 30 (forecast 20)
    assert bt.set_index("queue_id").loc["chat_web", "wape"] == pytest.approx(0.0)
    voice = bt.set_index("queue_id").loc["voice_main"]
    assert voice["actual_contacts"] == 5630  # 20 calls × 40 intervals × 7 days + the 30 extra of the peak
    assert voice["wape"] == pytest.approx(30 / 5630)


def test_assets_wait_for_the_quality_gate():
    defs = dg.Definitions(assets=STAFFING, resources={"duckdb": DuckDBResource(database=":memory:")})
    graph = defs.resolve_asset_graph()
    for key in (["marts", "fct_volume_forecast"], ["marts", "fct_staffing_requirements"]):
        parents = graph.get(dg.AssetKey(key)).parent_keys
        assert staffing_assets.QUALITY_GATE in parents
        assert staffing_assets.KPIS in parents


def test_failing_blocking_gate_stops_staffing(tmp_path: Path):
    @dg.asset(key=staffing_assets.QUALITY_GATE)
    def gate() -> None:
        return None

    @dg.asset_check(asset=staffing_assets.QUALITY_GATE, blocking=True)
    def always_fails() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR)

    path = tmp_path / "w.duckdb"
    _fill_warehouse(path)
    result = dg.materialize(
        [gate, always_fails, *STAFFING],
        resources={"duckdb": DuckDBResource(database=str(path))},
        raise_on_error=False,
    )
    assert not result.success
    tables = _query(path, "select table_name from information_schema.tables where table_schema = 'marts'")
    assert set(tables["table_name"]) == {"agg_interval_kpis"}
