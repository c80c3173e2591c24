"""Staffing throughput: one year × 96 intervals × 10 queues of interval KPIs.

Run: ``.venv/bin/python -m bench.bench_staffing [--days 365] [--queues 10] [--no-warehouse]``.
Prints rows/s for the pure steps (Erlang C, Erlang A, forecast, backtest, the whole staffing frame) and
for the three Dagster assets materialized against a temporary DuckDB file.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orchestration.defs.staffing import erlang
from orchestration.defs.staffing.forecast import backtest_frame, forecast_frame
from orchestration.defs.staffing.requirements import staffing_frame
from orchestration.paths import DEFAULT_POLICY_CSV

CHANNELS = ["voice", "chat", "email", "voice", "chat", "sms", "voice", "social", "email", "chat"]
SCALE = {
    "voice": (40.0, 240.0),
    "chat": (25.0, 180.0),
    "email": (15.0, 420.0),
    "sms": (8.0, 200.0),
    "social": (5.0, 300.0),
}


def synthetic_kpis(days: int, queues: int, seed: int = 1) -> pd.DataFrame:
    """Dense interval KPIs with a daily and weekly shape and Poisson noise."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2025-01-06", periods=days * 96, freq="15min")
    hour = times.hour.to_numpy() + times.minute.to_numpy() / 60
    daily = np.clip(np.sin((hour - 7) / 12 * np.pi), 0, None)
    weekly = np.where(times.day_of_week.to_numpy() >= 5, 0.4, 1.0)
    frames = []
    for q in range(queues):
        channel = CHANNELS[q % len(CHANNELS)]
        peak, aht = SCALE[channel]
        contacts = rng.poisson(peak * daily * weekly).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": times,
                    "queue_id": f"{channel}_{q}",
                    "channel": channel,
                    "contacts_offered": contacts,
                    "aht_seconds": np.where(contacts > 0, rng.normal(aht, aht * 0.1, contacts.size), np.nan),
                    "avg_concurrency": np.where(channel == "chat", 2.2, 1.0),
                    "backlog_end": rng.poisson(5, contacts.size).astype(float),
                    "oldest_backlog_age_seconds": 3600.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def policies() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_POLICY_CSV).assign(policy_version="bench")


def timed(label: str, rows: int, fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {rows:>10,} rows {seconds:8.2f} s {rows / seconds:>12,.0f} rows/s")
    return out, seconds


def bench_warehouse(kpis: pd.DataFrame, pol: pd.DataFrame) -> None:
    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from orchestration.defs.staffing import assets

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        con = duckdb.connect(str(path))
        for schema in ("marts", "staging"):
            con.execute(f"create schema {schema}")
        con.register("k", kpis)
        con.register("p", pol)
        con.execute("create table marts.agg_interval_kpis as select * from k")
        con.execute("create table staging.stg_seeds__channel_policies as select * from p")
        con.execute(
            "create table staging.stg_agent_states__spans as select 'a1' as agent_id, s as state, "
            "timestamp '2025-01-06 08:00' as started_at, timestamp '2025-01-06 09:00' as ended_at "
            "from (values ('available'), ('busy'), ('break')) t(s)"
        )
        con.close()
        result, _ = timed(
            "3 assets via dg.materialize (DuckDB I/O)",
            len(kpis),
            lambda: dg.materialize(
                [assets.fct_volume_forecast, assets.fct_staffing_requirements, assets.forecast_backtest],
                resources={"duckdb": DuckDBResource(database=str(path))},
            ),
        )
        assert result.success


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queues", type=int, default=10)
    parser.add_argument("--no-warehouse", action="store_true")
    args = parser.parse_args()

    kpis = synthetic_kpis(args.days, args.queues)
    pol = policies()
    n = len(kpis)
    print(f"interval KPIs: {args.days} days × 96 intervals × {args.queues} queues = {n:,} rows")
    voice = kpis[kpis["channel"] == "voice"]
    arrivals, aht = voice["contacts_offered"].to_numpy(), voice["aht_seconds"].fillna(0).to_numpy()
    timed(
        "Erlang C required_agents (voice rows)",
        len(voice),
        lambda: erlang.required_agents(arrivals, aht, 900, 20, 0.8, 0.85),
    )
    timed(
        "Erlang A required_agents (voice rows)",
        len(voice),
        lambda: erlang.erlang_a_required_agents(arrivals, aht, 900, 20, 0.8, 120.0, 0.85),
    )
    fc, _ = timed("forecast_frame (7 days ahead)", n, lambda: forecast_frame(kpis, 15, 7, 4))
    timed("backtest_frame (last full week)", n, lambda: backtest_frame(kpis, 15, 4))
    patience = (
        kpis[kpis["channel"] == "voice"][["queue_id", "channel"]]
        .drop_duplicates()
        .assign(patience_seconds=120.0)
    )
    out, _ = timed(
        "staffing_frame (history + forecast, Erlang A)",
        n + len(fc),
        lambda: staffing_frame(kpis, fc, pol, 15, shrinkage=0.3, patience=patience),
    )
    print("methods:", out["method"].value_counts().to_dict())
    if not args.no_warehouse:
        bench_warehouse(kpis, pol)


if __name__ == "__main__":
    main()
