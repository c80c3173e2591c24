"""staffing_frame (pure, no warehouse): methods per policy, shrinkage, backlog carried into the forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orchestration.defs.staffing.requirements import OUTPUT_COLUMNS, staffing_frame

DAY0 = pd.Timestamp("2026-03-02")


def _policies(**email: object) -> pd.DataFrame:
    rows = [
        dict(
            channel="email",
            concurrency_mode="full",
            is_deferred=True,
            service_target_seconds=1800,
            service_level_goal=0.9,
            max_occupancy=1.0,
            max_concurrency=1,
            default_shrinkage=0.2,
        ),
        dict(
            channel="voice",
            concurrency_mode="full",
            is_deferred=False,
            service_target_seconds=20,
            service_level_goal=0.8,
            max_occupancy=0.85,
            max_concurrency=1,
            default_shrinkage=0.3,
        ),
        dict(
            channel="chat",
            concurrency_mode="apportioned",
            is_deferred=False,
            service_target_seconds=60,
            service_level_goal=0.8,
            max_occupancy=0.85,
            max_concurrency=3,
            default_shrinkage=0.3,
        ),
    ]
    rows[0].update(email)
    return pd.DataFrame(rows).assign(policy_version="pv")


def _day(queue_id: str, channel: str) -> pd.DataFrame:
    times = pd.date_range(DAY0, periods=96, freq="15min")
    return pd.DataFrame(
        {
            "interval_start": times,
            "queue_id": queue_id,
            "channel": channel,
            "contacts_offered": 0.0,
            "aht_seconds": np.nan,
            "avg_concurrency": np.nan,
            "backlog_end": 0.0,
            "oldest_backlog_age_seconds": np.nan,
        }
    )


def test_backlog_is_carried_into_the_forecast_horizon():
    """Email, target 30 min, occupancy 1. History: one contact of 900 s at 00:00 (spread 450 s over the first
    two intervals → 1 agent each). At 23:45 two threads are still open, the oldest 45 min old → assumed
    arrivals −2700 s and −1350 s, 900 s each (the queue's AHT), deadlines −900 s and +450 s: both due in the
    first forecast interval (1800 s → 2 agents). Only 225 s of the second falls inside its window after the
    horizon start, so the spread alone would ask for 1: the due-work constraint makes it 2."""
    history = _day("mail", "email")
    history.loc[0, ["contacts_offered", "aht_seconds"]] = [1.0, 900.0]
    history.loc[95, ["backlog_end", "oldest_backlog_age_seconds"]] = [2.0, 2700.0]
    forecast = pd.DataFrame(
        {
            "interval_start": pd.date_range(DAY0 + pd.Timedelta(days=1), periods=96, freq="15min"),
            "queue_id": "mail",
            "channel": "email",
            "forecast_contacts": 0.0,
            "forecast_aht_seconds": np.nan,
        }
    )
    out = staffing_frame(history, forecast, _policies(), 15, shrinkage=None)
    assert list(out.columns) == OUTPUT_COLUMNS
    hist = out[~out["is_forecast"]]
    fc = out[out["is_forecast"]]
    assert hist["required_agents"].tolist()[:3] == [1, 1, 0]
    assert fc["required_agents"].tolist()[:3] == [2, 0, 0]
    assert (out["method"] == "deferred").all()
    assert (out["shrinkage"] == 0.2).all()  # no agent_states history → the policy default
    assert fc["required_scheduled_agents"].tolist()[:2] == [math.ceil(2 / 0.8), 0]


def test_real_time_methods_and_center_shrinkage():
    voice = _day("phones", "voice")
    voice.loc[40, ["contacts_offered", "aht_seconds"]] = [50.0, 180.0]  # A = 10 in 15 min
    chat = _day("web", "chat")
    # 30 chats, 200 s of apportioned agent time each, 2 at once → a slot is held 400 s
    chat.loc[40, ["contacts_offered", "aht_seconds", "avg_concurrency"]] = [30.0, 200.0, 2.0]
    empty_fc = pd.DataFrame(
        columns=["interval_start", "queue_id", "channel", "forecast_contacts", "forecast_aht_seconds"]
    )
    patience = pd.DataFrame({"queue_id": ["phones"], "channel": ["voice"], "patience_seconds": [120.0]})
    out = staffing_frame(
        pd.concat([voice, chat]), empty_fc, _policies(), 15, shrinkage=0.25, patience=patience
    )
    v = out[(out["channel"] == "voice") & (out["contacts"] > 0)].iloc[0]
    assert (v["method"], v["required_agents"], v["required_scheduled_agents"]) == ("erlang_c", 14, 19)
    assert v["erlang_a_agents"] <= 14 and v["erlang_a_service_level"] >= 0.8
    c = out[(out["channel"] == "chat") & (out["contacts"] > 0)].iloc[0]
    assert c["method"] == "erlang_c_concurrency"
    # slots: Erlang C with 30 arrivals × 400 s / 900 s = 13.3 Erlangs, 60 s target, 80 %, occupancy ≤ 0.85
    # → 17 slots by the exact formula (computed by hand), held 2 at a time → 9 agents
    assert c["required_agents"] == 9
    assert c["workload_seconds"] == pytest.approx(6000.0)
    assert pd.isna(c["erlang_a_agents"])
    assert (out["shrinkage"] == 0.25).all()


def test_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="social"):
        staffing_frame(
            _day("x", "social"),
            pd.DataFrame(
                columns=["interval_start", "queue_id", "channel", "forecast_contacts", "forecast_aht_seconds"]
            ),
            _policies(),
            15,
        )
