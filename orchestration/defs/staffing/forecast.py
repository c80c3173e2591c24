"""Volume and AHT forecast by same-weekday-and-interval means, and its last-week backtest (SPEC §7).

For each future interval: contacts = mean over the last ``forecast_weeks`` weeks of the same weekday and
interval of day; AHT = workload-weighted mean over the same intervals (Σ handle ÷ Σ contacts), falling back
to the series' overall AHT when those intervals hold fewer than ``min_aht_contacts`` contacts.

The history is densified first: an interval with no row in ``agg_interval_kpis`` had no contacts (0), so
quiet nights count as zeros in the means instead of being skipped. Days are the calendar days of
``interval_start`` (the marts' site-time intervals). The core (``seasonal_forecast``) is pure numpy on
(series × interval) arrays; the frame functions around it only reshape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

SERIES_KEYS = ["queue_id", "channel"]
DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)

FORECAST_COLUMNS = [
    "interval_start",
    "queue_id",
    "channel",
    "forecast_contacts",
    "forecast_aht_seconds",
    "based_on_weeks",
]
BACKTEST_COLUMNS = ["queue_id", "channel", "week_start", "wape", "actual_contacts", "forecast_contacts"]


@dataclass(frozen=True)
class DenseHistory:
    """History: ``values[name]`` is (series × interval); interval i starts at start + i·step."""

    keys: pd.DataFrame  # one row per series, SERIES_KEYS columns, in array order
    start: pd.Timestamp  # midnight of the first day
    step: pd.Timedelta
    values: dict[str, NDArray[np.float64]]

    @property
    def n_intervals(self) -> int:
        return next(iter(self.values.values())).shape[1] if self.values else 0

    def interval_starts(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_intervals, freq=self.step)


def densify(
    frame: pd.DataFrame,
    columns: dict[str, float],
    interval_minutes: int,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    keys: pd.DataFrame | None = None,
) -> DenseHistory:
    """Pivot ``frame`` (interval_start, queue_id, channel, *columns) onto a full (series × interval) grid.

    ``columns`` maps each value column to its fill for missing intervals (0 for counts, NaN for means).
    The grid runs from midnight of the first interval (or ``start``) to ``end`` (exclusive; default: just
    after the last interval). Rows outside [start, end) are ignored.
    """
    step = pd.Timedelta(minutes=interval_minutes)
    ts = pd.to_datetime(frame["interval_start"])
    if start is None:
        start = ts.min().floor("D") if len(frame) else pd.Timestamp("1970-01-01")
    if end is None:
        end = ts.max().floor(step) + step if len(frame) else start
    n = max(int((end - start) // step), 0)
    if keys is None:
        keys = frame[SERIES_KEYS].drop_duplicates().sort_values(SERIES_KEYS).reset_index(drop=True)
    keys = keys.reset_index(drop=True)
    series = pd.MultiIndex.from_frame(keys[SERIES_KEYS]).get_indexer(
        pd.MultiIndex.from_frame(frame[SERIES_KEYS])
    )
    pos = ((ts - start) // step).to_numpy(dtype=np.int64) if len(frame) else np.zeros(0, np.int64)
    keep = (series >= 0) & (pos >= 0) & (pos < n)
    values: dict[str, NDArray[np.float64]] = {}
    for name, fill in columns.items():
        grid = np.full((len(keys), n), fill, dtype=float)
        col = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(fill):
            grid[series[keep], pos[keep]] = col[keep]  # means: last row wins (one row per grain)
        else:
            np.add.at(grid, (series[keep], pos[keep]), np.nan_to_num(col[keep], nan=0.0))
        values[name] = grid
    return DenseHistory(keys=keys, start=start, step=step, values=values)


def seasonal_forecast(
    contacts: NDArray[np.float64],
    workload: NDArray[np.float64],
    aht_contacts: NDArray[np.float64],
    n_future: int,
    intervals_per_week: int,
    weeks: int = 4,
    min_aht_contacts: float = 5.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Forecast ``n_future`` intervals following a (series × T) history whose end is the horizon start.

    History and horizon must start at the same time of week modulo ``intervals_per_week`` apart from a
    whole number of days (callers align both to midnight). Future interval f uses history intervals
    T + f − m·W for the ``weeks`` smallest m ≥ 1 that land inside the history (W = intervals_per_week).
    ``workload`` / ``aht_contacts`` are the handle seconds and the contacts they belong to (contacts without
    a handle time do not dilute the AHT). Returns (contacts, aht, based_on_weeks per future interval).
    """
    n_series, t = contacts.shape
    f = np.arange(n_future)
    m = (f // intervals_per_week + 1)[:, None] + np.arange(weeks)[None, :]  # (F, weeks)
    idx = t + f[:, None] - m * intervals_per_week
    valid = idx >= 0
    based_on = valid.sum(axis=1).astype(np.int64)
    safe = np.where(valid, idx, 0)

    def window_sum(x: NDArray[np.float64]) -> NDArray[np.float64]:
        if t == 0:
            return np.zeros((n_series, n_future))
        return np.where(valid[None, :, :], x[:, safe], 0.0).sum(axis=2)

    with np.errstate(invalid="ignore", divide="ignore"):
        mean_contacts = np.where(based_on > 0, window_sum(contacts) / np.maximum(based_on, 1), 0.0)
        slot_work, slot_n = window_sum(workload), window_sum(aht_contacts)
        overall = workload.sum(axis=1) / aht_contacts.sum(axis=1)  # NaN for a series never handled
        aht = np.where(slot_n >= min_aht_contacts, slot_work / slot_n, overall[:, None])
    return mean_contacts, aht, based_on


def _history_arrays(history: pd.DataFrame, interval_minutes: int, **kwargs: object) -> DenseHistory:
    frame = history.copy()
    aht = pd.to_numeric(frame["aht_seconds"], errors="coerce")
    contacts = pd.to_numeric(frame["contacts_offered"], errors="coerce").fillna(0.0)
    frame["contacts"] = contacts
    frame["aht_contacts"] = contacts.where(aht.notna(), 0.0)
    frame["workload"] = (contacts * aht).fillna(0.0)
    return densify(frame, {"contacts": 0.0, "aht_contacts": 0.0, "workload": 0.0}, interval_minutes, **kwargs)


MIN_DAY_SHARE = 0.5  # a trailing day below half its usual volume is still being filled


def history_end(
    history: pd.DataFrame, interval_minutes: int = 15, weeks: int = 4, min_share: float = MIN_DAY_SHARE
) -> pd.Timestamp:
    """Midnight after the last *complete* day of history: where the forecast starts and the backtest ends.

    Two rules, applied in turn: (1) a last day whose final interval (e.g. 23:45) has no row is incomplete;
    (2) walking back over at most 7 trailing days, a day is incomplete while its contacts (all queues) are
    below ``min_share`` of the mean of the same weekday in the ``weeks`` weeks before it (or, with no such
    weeks, while it has no contacts at all). Dense marts carry a full spine for the day the data stops in
    (late replies, today's partial day); rule 2 keeps those days out of the means and the held-out week.
    """
    step = pd.Timedelta(minutes=interval_minutes)
    ts = pd.to_datetime(history["interval_start"])
    last = ts.max().floor(step)
    end = last + step if (last + step) == (last + step).floor("D") else last.floor("D")
    contacts = pd.to_numeric(history["contacts_offered"], errors="coerce").fillna(0.0)
    daily = contacts.groupby(ts.dt.floor("D")).sum()
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max(), freq="D"), fill_value=0.0)
    for _ in range(7):
        day = end - DAY
        if day not in daily.index:
            break
        ref_days = [day - WEEK * k for k in range(1, weeks + 1)]
        ref = daily.reindex(ref_days).dropna()
        complete = daily[day] >= min_share * ref.mean() if len(ref) else daily[day] > 0
        if complete:
            break
        end = day
    return end


def forecast_frame(
    history: pd.DataFrame,
    interval_minutes: int = 15,
    forecast_days: int = 7,
    forecast_weeks: int = 4,
    min_aht_contacts: float = 5.0,
    start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """fct_volume_forecast rows (without policy_version) from ``agg_interval_kpis``-shaped history
    (interval_start, queue_id, channel, contacts_offered, aht_seconds), for the ``forecast_days`` days from
    ``start`` (default: ``history_end``, the midnight after the last complete day). History at or after
    ``start`` is ignored."""
    if history.empty:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    start = start if start is not None else history_end(history, interval_minutes, forecast_weeks)
    dense = _history_arrays(history, interval_minutes, end=start)
    per_day = int(DAY // dense.step)
    n_future = forecast_days * per_day
    contacts, aht, based_on = seasonal_forecast(
        dense.values["contacts"],
        dense.values["workload"],
        dense.values["aht_contacts"],
        n_future,
        7 * per_day,
        forecast_weeks,
        min_aht_contacts,
    )
    times = pd.date_range(start, periods=n_future, freq=dense.step)
    n_series = len(dense.keys)
    out = pd.DataFrame(
        {
            "interval_start": np.tile(times.to_numpy(), n_series),
            "queue_id": np.repeat(dense.keys["queue_id"].to_numpy(), n_future),
            "channel": np.repeat(dense.keys["channel"].to_numpy(), n_future),
            "forecast_contacts": contacts.ravel(),
            "forecast_aht_seconds": aht.ravel(),
            "based_on_weeks": np.tile(based_on, n_series),
        }
    )
    return out[FORECAST_COLUMNS]


def last_full_week(
    history: pd.DataFrame, interval_minutes: int = 15, weeks: int = 4
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[week_start, week_end): the 7 days ending with the last complete day of data (``history_end``)."""
    end = history_end(history, interval_minutes, weeks)
    return end - WEEK, end


def backtest_frame(
    history: pd.DataFrame,
    interval_minutes: int = 15,
    forecast_weeks: int = 4,
    min_aht_contacts: float = 5.0,
) -> pd.DataFrame:
    """Hold out the last full week, forecast it from the weeks before, WAPE per queue and channel.

    WAPE = Σ|actual − forecast| ÷ Σ actual over the week's intervals (NULL when nothing arrived). Empty when
    the history has less than one week before the held-out week.
    """
    if history.empty:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    week_start, week_end = last_full_week(history, interval_minutes, forecast_weeks)
    first_day = pd.to_datetime(history["interval_start"]).min().floor("D")
    if week_start - WEEK < first_day:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    keys = history[SERIES_KEYS].drop_duplicates().sort_values(SERIES_KEYS).reset_index(drop=True)
    before = history[pd.to_datetime(history["interval_start"]) < week_start]
    fc = forecast_frame(
        before if not before.empty else history.iloc[:0],
        interval_minutes,
        7,
        forecast_weeks,
        min_aht_contacts,
        start=week_start,
    )
    actual = _history_arrays(history, interval_minutes, start=week_start, end=week_end, keys=keys)
    forecast = densify(
        fc.assign(interval_start=fc["interval_start"]),
        {"forecast_contacts": 0.0},
        interval_minutes,
        start=week_start,
        end=week_end,
        keys=keys,
    )
    a = actual.values["contacts"]
    f = forecast.values["forecast_contacts"]
    total = a.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wape = np.where(total > 0, np.abs(a - f).sum(axis=1) / total, np.nan)
    out = keys.assign(
        week_start=week_start, wape=wape, actual_contacts=total, forecast_contacts=f.sum(axis=1)
    )
    return out[BACKTEST_COLUMNS]
