"""Deferred-work staffing (SPEC §7) on hand-computed profiles."""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.defs.staffing import deferred, erlang


def test_hand_computed_profile_with_binding_due_constraint():
    """15-min intervals, target 1 h, max occupancy 1, 8 intervals, 4 arrivals:

    - backlog b: arrived 45 min before the horizon (t = −2700 s), 3600 s of work → rate 1 s/s over
      [−2700, 900]: only 900 s fall inside the horizon (interval 0), but all 3600 s are due at t = 900;
    - x1 at 0 s, 3600 s of work → 900 s in each of intervals 0–3, due in interval 3;
    - x2 at 450 s, 1800 s → 0.5 s/s over [450, 4050]: 225, 450, 450, 450, 225 in intervals 0–4, due in 4;
    - x3 at 2700 s, 7200 s → 1800 s in each of intervals 3–6, due in interval 6.

    Spread: [2025, 1350, 1350, 3150, 2025, 1800, 1800, 0] → ⌈/900⌉ = [3, 2, 2, 4, 3, 2, 2, 0],
    cumulated [3, 5, 7, 11, 14, 16, 18, 18]. Due: 3600 @0, 3600 @3, 1800 @4, 7200 @6 → cumulated
    ⌈/900⌉ [4, 4, 4, 8, 10, 10, 18, 18]. Interval 0 is 1 agent behind (the backlog) → 4 agents there;
    interval 6 meets the due work exactly (18 = 18) without help.
    """
    r = deferred.deferred_requirements([-2700, 0, 450, 2700], [3600, 3600, 1800, 7200], 3600, 8, 900, 1.0)
    np.testing.assert_allclose(r.spread_seconds, [2025, 1350, 1350, 3150, 2025, 1800, 1800, 0])
    np.testing.assert_allclose(r.due_seconds, [3600, 0, 0, 3600, 1800, 0, 7200, 0])
    assert r.spread_agents.tolist() == [3, 2, 2, 4, 3, 2, 2, 0]
    assert r.catch_up_agents.tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert r.required_agents.tolist() == [4, 2, 2, 4, 3, 2, 2, 0]
    # the invariant: cumulative capacity never falls behind cumulative due work
    assert np.all(np.cumsum(r.required_agents) * 900 >= np.cumsum(r.due_seconds))


def test_max_occupancy_and_late_binding():
    """Max occupancy 0.8 → one agent does 720 s per interval. Arrivals: 1440 s at 0 (due interval 1 with a
    30-min target) and a backlog of 2880 s that arrived 25 min ago (due at 5 min → interval 0, 300 s of it
    spread in interval 0, i.e. 480 s). Spread: [720 + 480, 720] → ⌈1200/720⌉ = 2, ⌈720/720⌉ = 1, cumulated
    [2, 3]. Due cumulated: [2880, 4320] → ⌈/720⌉ = [4, 6]. Catch-up cumulated [2, 3] → +2 in interval 0,
    +1 in interval 1 → [4, 2, 0]."""
    r = deferred.deferred_requirements([0, -1500], [1440, 2880], 1800, 3, 900, 0.8)
    np.testing.assert_allclose(r.spread_seconds, [720 + 2880 * 300 / 1800, 720, 0])
    assert r.spread_agents.tolist() == [2, 1, 0]
    assert r.required_agents.tolist() == [4, 2, 0]
    assert r.catch_up_agents.tolist() == [2, 1, 0]


def test_one_interval_target_equals_real_time_workload():
    """A deferred target of one interval with arrivals at interval starts and 100 % occupancy puts each
    interval's workload in that interval: the same workload as a real-time channel, and ⌈A⌉ agents (the
    workload-only staffing of a real-time channel at 100 % occupancy, which Erlang C never undercuts)."""
    rng = np.random.default_rng(3)
    contacts = rng.integers(0, 40, 50).astype(float)
    aht = rng.uniform(100, 600, 50)
    starts = np.arange(50) * 900.0
    r = deferred.deferred_requirements(starts, contacts * aht, 900, 50, 900, 1.0)
    np.testing.assert_allclose(r.spread_seconds, contacts * aht, rtol=1e-9, atol=1e-6)
    a = erlang.traffic_intensity(contacts, aht, 900)
    assert r.required_agents.tolist() == np.ceil(a - 1e-9).astype(int).tolist()
    assert np.all(erlang.required_agents(contacts, aht, 900, 20, 0.8) >= r.required_agents)


def test_window_past_horizon_and_overdue_backlog():
    # work whose deadline lies beyond the horizon is spread but not due
    r = deferred.deferred_requirements([0], [3600], 7200, 4, 900, 1.0)
    np.testing.assert_allclose(r.spread_seconds, [450] * 4)
    assert r.due_seconds.sum() == 0
    # overdue backlog (deadline before the horizon) is due at once
    r = deferred.deferred_requirements([-9000], [1800], 3600, 2, 900, 1.0)
    assert r.required_agents.tolist() == [2, 0]


def test_backlog_arrivals_assumption():
    arrivals, weights = deferred.backlog_arrivals(2.5, 3600)
    np.testing.assert_allclose(arrivals, [-3000, -1800, -600])
    np.testing.assert_allclose(weights, [1, 1, 0.5])
    assert deferred.backlog_arrivals(0, 3600)[0].size == 0
    # with the oldest item's age known: evenly from −age up to the horizon start
    arrivals, _ = deferred.backlog_arrivals(4, 3600, oldest_age_seconds=8000)
    np.testing.assert_allclose(arrivals, [-8000, -6000, -4000, -2000])
    with pytest.raises(ValueError):
        deferred.spread_workload([0], [1], 0, 2, 900)
