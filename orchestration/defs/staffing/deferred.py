"""Deferred work (is_deferred = true): workload spread over response windows, with a due-work constraint.

SPEC §7: each arrival's workload is spread evenly (per second) over its response window
[arrival, arrival + service_target]; the agents an interval needs are that spread workload
÷ (interval length × max_occupancy), rounded up. Then cumulative capacity must never fall behind
cumulative work that is due: work due by the end of interval t = every arrival whose deadline ≤ end
of t, including the backlog open at the start of the horizon (arrival times before 0, so part of its
window has already passed: only the part inside the horizon is spread, the whole of it is due at its
deadline, and the constraint adds the catch-up capacity).

Everything is O(arrivals + intervals): the spread is a sum of ramps evaluated at the interval
boundaries with ``bincount`` + ``cumsum``, the due work is a ``bincount`` of deadlines, and the
catch-up is a running maximum.
Times are seconds from the horizon start; interval k is [k·L, (k+1)·L).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchestration.defs.staffing.erlang import ceil_tol

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _arrays(
    arrival_seconds: ArrayLike, workload_seconds: ArrayLike, window_seconds: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    arrival, work, window = (
        x.ravel().astype(float)
        for x in np.broadcast_arrays(
            np.asarray(arrival_seconds, float),
            np.asarray(workload_seconds, float),
            np.asarray(window_seconds, float),
        )
    )
    if np.any(window <= 0):
        raise ValueError("a deferred channel needs service_target_seconds > 0")
    return arrival, work, window


def spread_workload(
    arrival_seconds: ArrayLike,
    workload_seconds: ArrayLike,
    window_seconds: ArrayLike,
    n_intervals: int,
    interval_seconds: float,
) -> FloatArray:
    """Workload seconds falling in each interval when every arrival's work is spread evenly over its window.

    F(t) = Σ_i w_i·clip((t − a_i) / W_i, 0, 1) is piecewise linear with slope changes +w/W at a_i and −w/W at
    a_i + W_i, so F(t_k) = t_k·Σ_{b ≤ t_k} s − Σ_{b ≤ t_k} s·b over breakpoints b with slope changes s.
    """
    arrival, work, window = _arrays(arrival_seconds, workload_seconds, window_seconds)
    rate = work / window
    breaks = np.concatenate([arrival, arrival + window])
    slopes = np.concatenate([rate, -rate])
    # first boundary index k (t_k = k·L) with t_k ≥ b; breakpoints past the horizon never matter
    idx = np.clip(np.ceil(breaks / interval_seconds), 0, n_intervals + 1).astype(np.int64)
    s_cum = np.cumsum(np.bincount(idx, weights=slopes, minlength=n_intervals + 2))[: n_intervals + 1]
    sb_cum = np.cumsum(np.bincount(idx, weights=slopes * breaks, minlength=n_intervals + 2))[
        : n_intervals + 1
    ]
    t = np.arange(n_intervals + 1, dtype=float) * interval_seconds
    f = t * s_cum - sb_cum
    spread = np.diff(f)
    noise = 1e-9 * max(
        1.0, float(np.abs(t * s_cum).max(initial=0.0))
    )  # t·S − Σ s·b cancels in floating point
    return np.where(spread > noise, spread, 0.0)


def due_workload(
    arrival_seconds: ArrayLike,
    workload_seconds: ArrayLike,
    window_seconds: ArrayLike,
    n_intervals: int,
    interval_seconds: float,
) -> FloatArray:
    """Workload whose deadline (arrival + window) falls in each interval (deadline ≤ end of interval k).

    A deadline already past at the horizon start is due in the first interval; deadlines after the horizon
    are not counted.
    """
    arrival, work, window = _arrays(arrival_seconds, workload_seconds, window_seconds)
    deadline = arrival + window
    k = np.maximum(ceil_tol(deadline / interval_seconds) - 1.0, 0.0).astype(np.int64)
    inside = k < n_intervals
    return np.bincount(k[inside], weights=work[inside], minlength=n_intervals).astype(float)


class DeferredResult(NamedTuple):
    """Per-interval deferred staffing."""

    required_agents: IntArray  # after the due-work constraint
    spread_agents: IntArray  # ⌈spread ÷ (L × max_occupancy)⌉ before it
    spread_seconds: FloatArray
    due_seconds: FloatArray
    catch_up_agents: IntArray  # agents the constraint added in each interval


def deferred_requirements(
    arrival_seconds: ArrayLike,
    workload_seconds: ArrayLike,
    window_seconds: ArrayLike,
    n_intervals: int,
    interval_seconds: float,
    max_occupancy: float = 1.0,
) -> DeferredResult:
    """Agents per interval for deferred work (see module docstring).

    Capacity of one agent for one interval = L × max_occupancy seconds of work. With base agents r_k from the
    spread and M_k = ⌈(due work by end of k) ÷ (L × max_occupancy)⌉, the least non-decreasing catch-up E with
    Σ_{j≤k} r_j + E_k ≥ M_k is E_k = max(0, max_{j≤k}(M_j − Σ_{i≤j} r_i)); its increments are added where the
    deficit first appears (as late as the deadlines allow).
    """
    if not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be in (0, 1]")
    capacity = interval_seconds * max_occupancy
    spread = spread_workload(arrival_seconds, workload_seconds, window_seconds, n_intervals, interval_seconds)
    due = due_workload(arrival_seconds, workload_seconds, window_seconds, n_intervals, interval_seconds)
    base = ceil_tol(spread / capacity).astype(np.int64)
    need_cum = ceil_tol(np.cumsum(due) / capacity).astype(np.int64)
    deficit = need_cum - np.cumsum(base)
    catch_up_cum = np.maximum.accumulate(np.maximum(deficit, 0)) if n_intervals else deficit
    catch_up = np.diff(catch_up_cum, prepend=0).astype(np.int64)
    return DeferredResult(
        required_agents=base + catch_up,
        spread_agents=base,
        spread_seconds=spread,
        due_seconds=due,
        catch_up_agents=catch_up,
    )


def backlog_arrivals(
    open_items: float, window_seconds: float, oldest_age_seconds: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Assumed arrival times (seconds, < 0) and weights of ``open_items`` threads open at the horizon start.

    The warehouse keeps the count (``backlog_end``) and the oldest age (``oldest_backlog_age_seconds``),
    not every age: the items are taken as having arrived evenly from the oldest one's arrival up to the
    horizon start (the oldest exactly at −oldest_age). Without an oldest age, evenly over the response
    window before the horizon, a neutral assumption between "all brand new" and "all overdue". A
    fractional count (a forecast) keeps its fraction on the newest item.
    """
    open_items = max(float(open_items), 0.0)
    n = int(np.ceil(open_items - 1e-9))
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if oldest_age_seconds is not None and np.isfinite(oldest_age_seconds) and oldest_age_seconds >= 0:
        arrivals = -float(oldest_age_seconds) * (1.0 - np.arange(n) / n)
    else:
        arrivals = -window_seconds + (np.arange(n) + 0.5) * window_seconds / n
    weights = np.ones(n)
    weights[-1] = open_items - (n - 1)
    return arrivals, weights
