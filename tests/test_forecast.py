"""Forecast and backtest on hand-built interval history (SPEC §7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.defs.staffing import forecast

MONDAY = pd.Timestamp("2026-01-05")  # a Monday


def five_weeks() -> pd.DataFrame:
    """Five weeks of 15-min history for queue q1 (voice), Monday 2026-01-05 to Sunday 2026-02-08.

    - Monday 09:00, weeks 1–5: 10, 20, 30, 40, 50 contacts with AHT 100, 200, 300, 400, 500 s;
    - Tuesday 10:00 of week 5 only: 2 contacts, AHT 1000 s;
    - Sunday 23:45 of week 5: a row with 0 contacts (so the last day is complete).
    Every other interval has no row, i.e. 0 contacts.
    """
    rows = []
    for week, (n, aht) in enumerate([(10, 100), (20, 200), (30, 300), (40, 400), (50, 500)]):
        rows.append((MONDAY + pd.Timedelta(weeks=week, hours=9), n, aht))
    rows.append((MONDAY + pd.Timedelta(weeks=4, days=1, hours=10), 2, 1000))
    rows.append((MONDAY + pd.Timedelta(weeks=5) - pd.Timedelta(minutes=15), 0, None))
    frame = pd.DataFrame(rows, columns=["interval_start", "contacts_offered", "aht_seconds"])
    return frame.assign(queue_id="q1", channel="voice")


def test_forecast_is_the_same_weekday_interval_mean():
    fc = forecast.forecast_frame(five_weeks(), 15, forecast_days=8, forecast_weeks=4)
    assert len(fc) == 8 * 96
    assert fc["interval_start"].min() == MONDAY + pd.Timedelta(weeks=5)
    by_time = fc.set_index("interval_start")
    monday_9 = by_time.loc[MONDAY + pd.Timedelta(weeks=5, hours=9)]
    # weeks 2–5: (20 + 30 + 40 + 50) / 4 = 35; AHT (20·200 + 30·300 + 40·400 + 50·500) / 140 = 385.714…
    assert monday_9["forecast_contacts"] == pytest.approx(35.0)
    assert monday_9["forecast_aht_seconds"] == pytest.approx(54000 / 140)
    assert monday_9["based_on_weeks"] == 4
    # Tuesday 10:00: 2 / 4 = 0.5 contacts; 2 < 5 contacts is sparse → the queue's overall AHT
    # (10·100 + 54000 + 2·1000) / 152 = 375
    tuesday_10 = by_time.loc[MONDAY + pd.Timedelta(weeks=5, days=1, hours=10)]
    assert tuesday_10["forecast_contacts"] == pytest.approx(0.5)
    assert tuesday_10["forecast_aht_seconds"] == pytest.approx(375.0)
    # a quiet interval forecasts 0 contacts (missing rows are zeros, not gaps)
    assert by_time.loc[MONDAY + pd.Timedelta(weeks=5, hours=3), "forecast_contacts"] == 0.0
    # day 8 is beyond one week: its slot still uses the latest four weeks of history (2–5), not forecasts
    next_monday = by_time.loc[MONDAY + pd.Timedelta(weeks=6, hours=9)]
    assert next_monday["forecast_contacts"] == pytest.approx(35.0)
    assert next_monday["based_on_weeks"] == 4


def test_forecast_with_short_history_uses_the_weeks_it_has():
    history = five_weeks()
    history = history[history["interval_start"] >= MONDAY + pd.Timedelta(weeks=3)]
    fc = forecast.forecast_frame(history, 15, forecast_days=1, forecast_weeks=4).set_index("interval_start")
    row = fc.loc[MONDAY + pd.Timedelta(weeks=5, hours=9)]
    assert row["based_on_weeks"] == 2
    assert row["forecast_contacts"] == pytest.approx(45.0)


def test_seasonal_forecast_core_on_arrays():
    # one series, "weeks" of 2 intervals, 3 weeks of history: [1, 2, 3, 4, 5, 6]
    contacts = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    work = contacts * 10
    c, aht, based = forecast.seasonal_forecast(contacts, work, contacts, 2, 2, weeks=2, min_aht_contacts=0)
    np.testing.assert_allclose(c, [[(3 + 5) / 2, (4 + 6) / 2]])
    np.testing.assert_allclose(aht, [[10.0, 10.0]])
    assert based.tolist() == [2, 2]


def test_backtest_wape_hand_example():
    """Held-out week = week 5 (the 7 days ending with the complete Sunday). Forecast from weeks 1–4:
    Monday 09:00 = (10 + 20 + 30 + 40) / 4 = 25 against 50 actual; Tuesday 10:00 = 0 against 2; all other
    intervals 0 against 0. WAPE = (|50 − 25| + |2 − 0|) / 52 = 27 / 52."""
    bt = forecast.backtest_frame(five_weeks(), 15, forecast_weeks=4)
    assert len(bt) == 1
    row = bt.iloc[0]
    assert row["week_start"] == MONDAY + pd.Timedelta(weeks=4)
    assert row["actual_contacts"] == pytest.approx(52.0)
    assert row["forecast_contacts"] == pytest.approx(25.0)
    assert row["wape"] == pytest.approx(27 / 52)


def test_backtest_needs_a_week_before_and_drops_an_incomplete_last_day():
    history = five_weeks()
    # cut after Tuesday 10:00 of week 5: Tuesday is incomplete, the last complete day is Monday of week 5
    cut = history[history["interval_start"] < MONDAY + pd.Timedelta(weeks=4, days=2)]
    start, end = forecast.last_full_week(cut, 15)
    assert end == MONDAY + pd.Timedelta(weeks=4, days=1)
    assert start == end - pd.Timedelta(days=7)
    short = history[history["interval_start"] >= MONDAY + pd.Timedelta(weeks=4)]
    assert forecast.backtest_frame(short, 15).empty


def test_trailing_day_below_half_its_usual_volume_is_not_history():
    """A dense mart carries a full spine for the day the data stops in: Monday of week 6 with no contacts
    (its Mondays usually have 25 on average) is still being filled, so the history ends before it, the
    forecast starts on it, and the backtest still holds out week 5."""
    history = five_weeks()
    spine = pd.DataFrame(
        {
            "interval_start": pd.date_range(MONDAY + pd.Timedelta(weeks=5), periods=96, freq="15min"),
            "contacts_offered": 0.0,
            "aht_seconds": np.nan,
        }
    ).assign(queue_id="q1", channel="voice")
    history = pd.concat([history, spine], ignore_index=True)
    assert forecast.history_end(history, 15) == MONDAY + pd.Timedelta(weeks=5)
    fc = forecast.forecast_frame(history, 15, forecast_days=1).set_index("interval_start")
    assert fc.loc[MONDAY + pd.Timedelta(weeks=5, hours=9), "forecast_contacts"] == pytest.approx(35.0)
    bt = forecast.backtest_frame(history, 15)
    assert bt["week_start"].item() == MONDAY + pd.Timedelta(weeks=4)
    assert bt["wape"].item() == pytest.approx(27 / 52)
    # a quiet Sunday is not trimmed: its usual volume is 0 as well
    assert forecast.history_end(five_weeks(), 15) == MONDAY + pd.Timedelta(weeks=5)
