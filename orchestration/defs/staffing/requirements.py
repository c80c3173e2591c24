"""fct_staffing_requirements from interval history, the volume forecast and the policy (SPEC §6–§7).

Pure pandas/numpy: frames in, frame out, no warehouse. Methods per channel policy:

- ``deferred`` (is_deferred): ``deferred.deferred_requirements`` per queue on two horizons — the history
  (no backlog assumed before its first interval) and the forecast (the backlog open at the end of the
  history, ``backlog_end`` of its last interval, is carried in);
- ``erlang_c_concurrency`` (real time, max_concurrency > 1, i.e. chat): Erlang C on chat slots;
- ``erlang_c`` (other real-time channels), with Erlang A beside it where a patience estimate exists.

Arrivals of an interval are taken to arrive at its start (the earliest, so deadlines are never late).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.defs.staffing import deferred, erlang
from orchestration.defs.staffing.forecast import SERIES_KEYS, densify, history_end
from orchestration.defs.staffing.shrinkage import scheduled_agents

OUTPUT_COLUMNS = [
    "interval_start",
    "queue_id",
    "channel",
    "is_forecast",
    "contacts",
    "aht_seconds",
    "workload_seconds",
    "required_agents",
    "required_scheduled_agents",
    "shrinkage",
    "method",
    "expected_service_level",
    "expected_occupancy",
    "erlang_a_agents",
    "erlang_a_service_level",
    "policy_version",
]

POLICY_COLUMNS = [
    "channel",
    "concurrency_mode",
    "is_deferred",
    "service_target_seconds",
    "service_level_goal",
    "max_occupancy",
    "max_concurrency",
    "default_shrinkage",
    "policy_version",
]


def _as_bool(values: pd.Series) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy()
    return values.astype(str).str.strip().str.lower().isin(["true", "t", "1", "yes"]).to_numpy()


def _history_long(
    history: pd.DataFrame, interval_minutes: int, end: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dense history rows, and per-series aggregates (overall AHT, concurrency, last backlog)."""
    frame = history.copy()
    for col in ("avg_concurrency", "backlog_end", "oldest_backlog_age_seconds"):
        if col not in frame:
            frame[col] = np.nan
    aht = pd.to_numeric(frame["aht_seconds"], errors="coerce")
    contacts = pd.to_numeric(frame["contacts_offered"], errors="coerce").fillna(0.0)
    frame["contacts"] = contacts
    frame["aht_contacts"] = contacts.where(aht.notna(), 0.0)
    frame["workload"] = (contacts * aht).fillna(0.0)
    conc = pd.to_numeric(frame["avg_concurrency"], errors="coerce")
    frame["conc_weight"] = contacts.where(conc.notna(), 0.0)
    frame["conc_sum"] = (conc * contacts).fillna(0.0)
    dense = densify(
        frame,
        {
            "contacts": 0.0,
            "aht_contacts": 0.0,
            "workload": 0.0,
            "avg_concurrency": np.nan,
            "backlog_end": np.nan,
            "oldest_backlog_age_seconds": np.nan,
            "conc_weight": 0.0,
            "conc_sum": 0.0,
        },
        interval_minutes,
        end=end,
    )
    v = dense.values
    with np.errstate(invalid="ignore", divide="ignore"):
        overall_aht = v["workload"].sum(axis=1) / v["aht_contacts"].sum(axis=1)
        overall_conc = v["conc_sum"].sum(axis=1) / v["conc_weight"].sum(axis=1)
        aht_grid = np.where(v["aht_contacts"] > 0, v["workload"] / v["aht_contacts"], overall_aht[:, None])
    last_backlog = np.zeros(len(dense.keys))
    oldest_age = np.full(len(dense.keys), np.nan)
    for i, row in enumerate(v["backlog_end"]):  # per series: the latest known backlog and its oldest age
        known = np.flatnonzero(~np.isnan(row))
        if known.size:
            last_backlog[i] = row[known[-1]]
            oldest_age[i] = v["oldest_backlog_age_seconds"][i, known[-1]]
    n_series, n = v["contacts"].shape
    times = dense.interval_starts()
    long = pd.DataFrame(
        {
            "interval_start": np.tile(times.to_numpy(), n_series),
            "queue_id": np.repeat(dense.keys["queue_id"].to_numpy(), n),
            "channel": np.repeat(dense.keys["channel"].to_numpy(), n),
            "is_forecast": False,
            "contacts": v["contacts"].ravel(),
            "aht_seconds": aht_grid.ravel(),
            "avg_concurrency": v["avg_concurrency"].ravel(),
        }
    )
    series = dense.keys.assign(
        overall_aht=overall_aht,
        overall_concurrency=overall_conc,
        last_backlog=last_backlog,
        oldest_backlog_age=oldest_age,
    )
    return long, series


def staffing_frame(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    policies: pd.DataFrame,
    interval_minutes: int = 15,
    shrinkage: float | None = None,
    patience: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All rows of fct_staffing_requirements.

    ``history``: agg_interval_kpis rows (interval_start, queue_id, channel, contacts_offered, aht_seconds,
    avg_concurrency, backlog_end); ``forecast``: fct_volume_forecast rows; ``policies``: one row per channel
    (POLICY_COLUMNS); ``shrinkage``: the center-wide estimate, or None to use each channel's
    default_shrinkage; ``patience``: (queue_id, channel, patience_seconds) for Erlang A, optional.
    """
    if history.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    interval_seconds = interval_minutes * 60.0
    end = forecast["interval_start"].min() if not forecast.empty else history_end(history, interval_minutes)
    hist, series = _history_long(history, interval_minutes, pd.Timestamp(end))
    fc = forecast.merge(series, on=SERIES_KEYS, how="left")
    fc_long = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(fc["interval_start"]),
            "queue_id": fc["queue_id"],
            "channel": fc["channel"],
            "is_forecast": True,
            "contacts": pd.to_numeric(fc["forecast_contacts"], errors="coerce").fillna(0.0),
            "aht_seconds": pd.to_numeric(fc["forecast_aht_seconds"], errors="coerce").fillna(
                fc["overall_aht"]
            ),
            "avg_concurrency": fc["overall_concurrency"],
        }
    )
    rows = pd.concat([hist, fc_long], ignore_index=True)
    rows["aht_seconds"] = rows["aht_seconds"].fillna(0.0)
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])

    pol = policies[POLICY_COLUMNS].copy()
    pol["is_deferred"] = _as_bool(pol["is_deferred"])
    missing = sorted((set(history["channel"]) | set(forecast["channel"])) - set(pol["channel"]))
    if missing:
        raise ValueError(f"no channel_policies row for channel(s) {missing}: cannot staff them")
    rows = rows.merge(pol, on="channel", how="left")
    rows = rows.sort_values(["queue_id", "channel", "is_forecast", "interval_start"], ignore_index=True)

    n_rows = len(rows)
    contacts = rows["contacts"].to_numpy(float)
    aht = rows["aht_seconds"].to_numpy(float)
    target = rows["service_target_seconds"].to_numpy(float)
    goal = rows["service_level_goal"].to_numpy(float)
    max_occ = rows["max_occupancy"].to_numpy(float)
    max_conc = rows["max_concurrency"].to_numpy(float)
    is_def = rows["is_deferred"].to_numpy(bool)
    is_chat = ~is_def & (max_conc > 1)
    is_c = ~is_def & ~is_chat

    required = np.zeros(n_rows, dtype=np.int64)
    sl = np.full(n_rows, np.nan)
    occ = np.full(n_rows, np.nan)
    method = np.where(is_def, "deferred", np.where(is_chat, "erlang_c_concurrency", "erlang_c")).astype(
        object
    )

    if is_c.any():
        n = erlang.required_agents(
            contacts[is_c], aht[is_c], interval_seconds, target[is_c], goal[is_c], max_occ[is_c]
        )
        a = erlang.traffic_intensity(contacts[is_c], aht[is_c], interval_seconds)
        required[is_c] = n
        sl[is_c] = erlang.service_level(n, a, aht[is_c], target[is_c])
        occ[is_c] = erlang.occupancy(n, a)

    if is_chat.any():
        apportioned = (rows["concurrency_mode"].astype(str).to_numpy() == "apportioned")[is_chat]
        c = np.clip(
            np.nan_to_num(rows["avg_concurrency"].to_numpy(float)[is_chat], nan=np.inf),
            1.0,
            max_conc[is_chat],
        )
        per_chat = np.where(apportioned, aht[is_chat], aht[is_chat] / c)
        r = erlang.required_agents_concurrency(
            contacts[is_chat],
            per_chat,
            c,
            max_conc[is_chat],
            interval_seconds,
            target[is_chat],
            goal[is_chat],
            max_occ[is_chat],
        )
        required[is_chat] = r.agents
        sl[is_chat] = r.service_level
        occ[is_chat] = r.occupancy

    if is_def.any():
        by_series = series.set_index(SERIES_KEYS)
        groups = rows[is_def].groupby(["queue_id", "channel", "is_forecast"], sort=False).indices
        def_index = np.flatnonzero(is_def)
        for (queue_id, channel, is_fc), local in groups.items():
            idx = def_index[local]
            times = rows["interval_start"].to_numpy()[idx]
            offsets = (times - times[0]) / np.timedelta64(1, "s")
            work = contacts[idx] * aht[idx]
            window = float(target[idx[0]])
            arrivals, weights = offsets, work
            if is_fc:
                known = (queue_id, channel) in by_series.index
                info = by_series.loc[(queue_id, channel)] if known else None
                b_at, b_w = deferred.backlog_arrivals(
                    float(info["last_backlog"]) if known else 0.0,
                    window,
                    float(info["oldest_backlog_age"]) if known else None,
                )
                per_item = float(np.nan_to_num(info["overall_aht"])) if known else 0.0
                arrivals = np.concatenate([b_at, offsets])
                weights = np.concatenate([b_w * per_item, work])
            res = deferred.deferred_requirements(
                arrivals, weights, window, len(idx), interval_seconds, float(max_occ[idx[0]])
            )
            required[idx] = res.required_agents
            sl[idx] = 1.0
            with np.errstate(invalid="ignore", divide="ignore"):
                occ[idx] = np.where(
                    res.required_agents > 0,
                    res.spread_seconds / (res.required_agents * interval_seconds),
                    0.0,
                )

    erlang_a_agents = np.full(n_rows, np.nan)
    erlang_a_sl = np.full(n_rows, np.nan)
    if patience is not None and not patience.empty and is_c.any():
        pat = rows[SERIES_KEYS].merge(
            patience[[*SERIES_KEYS, "patience_seconds"]], on=SERIES_KEYS, how="left"
        )
        p = pd.to_numeric(pat["patience_seconds"], errors="coerce").to_numpy(float)
        use = is_c & np.isfinite(p) & (p > 0)
        if use.any():
            na = erlang.erlang_a_required_agents(
                contacts[use], aht[use], interval_seconds, target[use], goal[use], p[use], max_occ[use]
            )
            a = erlang.traffic_intensity(contacts[use], aht[use], interval_seconds)
            erlang_a_agents[use] = na
            erlang_a_sl[use] = erlang.erlang_a(na, a, aht[use], p[use], target[use]).service_level

    if shrinkage is not None and np.isfinite(shrinkage):
        shrink = np.full(n_rows, float(shrinkage))
    else:
        shrink = rows["default_shrinkage"].to_numpy(float)
    out = pd.DataFrame(
        {
            "interval_start": rows["interval_start"],
            "queue_id": rows["queue_id"],
            "channel": rows["channel"],
            "is_forecast": rows["is_forecast"].astype(bool),
            "contacts": contacts,
            "aht_seconds": aht,
            "workload_seconds": contacts * aht,
            "required_agents": required,
            "required_scheduled_agents": scheduled_agents(required, shrink),
            "shrinkage": shrink,
            "method": method,
            "expected_service_level": sl,
            "expected_occupancy": occ,
            "erlang_a_agents": pd.array(
                np.where(np.isnan(erlang_a_agents), pd.NA, erlang_a_agents), dtype="Int64"
            ),
            "erlang_a_service_level": erlang_a_sl,
            "policy_version": rows["policy_version"],
        }
    )
    return out[OUTPUT_COLUMNS]
