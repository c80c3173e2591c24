"""Erlang C / Erlang A against independently computed values (exact factorial formulas, a truncated CTMC)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import linalg

from orchestration.defs.staffing import erlang


def exact_erlang_c(n: int, a: Fraction) -> Fraction:
    """Textbook Erlang C with factorials, in exact rational arithmetic (small N only)."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
    return top / bottom


def exact_sl(n: int, a: Fraction, aht: float, target: float) -> float:
    return 1.0 - float(exact_erlang_c(n, a)) * math.exp(-(n - float(a)) * target / aht)


def test_spec_10_2_reference_case():
    """SPEC §10.2: 100 calls / 30 min, AHT 180 s, 80/20 → A = 10; 13 agents: 79.6 %; 14 needed (88.8 %)."""
    a = erlang.traffic_intensity(100, 180, 1800)
    assert a == pytest.approx(10.0)
    sl = erlang.service_level([13, 14], a, 180, 20)
    assert round(float(sl[0]), 3) == 0.796
    assert round(float(sl[1]), 3) == 0.888
    assert erlang.required_agents(100, 180, 1800, 20, 0.8) == 14
    # the same case as published in Call Centre Helper's worked example: P(wait) 17.41 %, ASA 7.8 s,
    # occupancy 71.4 %
    assert float(erlang.erlang_c(14, a)) == pytest.approx(0.1741, abs=5e-5)
    assert float(erlang.average_speed_of_answer(14, a, 180)) == pytest.approx(7.8, abs=0.05)
    assert float(erlang.occupancy(14, a)) == pytest.approx(0.714, abs=5e-4)


def test_occupancy_cap_binds():
    """1000 calls/hour, AHT 120 s (A = 33.3), 80/20, max occupancy 0.85 → ⌈33.3 / 0.85⌉ = 40 agents."""
    assert erlang.required_agents(1000, 120, 3600, 20, 0.8, 0.85) == 40
    # without the cap Erlang C alone needs fewer: the cap is what binds here
    assert erlang.required_agents(1000, 120, 3600, 20, 0.8, 1.0) < 40


@pytest.mark.parametrize(
    ("n", "a_num", "a_den", "aht", "target"),
    [
        (2, 1, 1, 240, 20),
        (5, 3, 1, 300, 30),
        (11, 10, 1, 180, 20),
        (20, 35, 2, 120, 15),
        (30, 25, 1, 200, 60),
    ],
)
def test_erlang_c_matches_exact_factorial_formula(n, a_num, a_den, aht, target):
    a = Fraction(a_num, a_den)
    expected_c = float(exact_erlang_c(n, a))
    assert float(erlang.erlang_c(n, float(a))) == pytest.approx(expected_c, abs=5e-4)
    assert round(float(erlang.service_level(n, float(a), aht, target)), 3) == round(
        exact_sl(n, a, aht, target), 3
    )
    assert round(float(erlang.occupancy(n, float(a))), 3) == round(float(a) / n, 3)
    expected_asa = expected_c * aht / (n - float(a))
    assert float(erlang.average_speed_of_answer(n, float(a), aht)) == pytest.approx(expected_asa, rel=1e-9)


def test_required_agents_is_least_n_by_brute_force():
    """Vectorized search equals a brute-force scan with the exact formula, row by row."""
    rng = np.random.default_rng(7)
    arrivals = rng.uniform(1, 60, 40).round()
    aht = rng.uniform(60, 400, 40).round()
    got = erlang.required_agents(arrivals, aht, 900, 20, 0.8, 0.9)
    for i in range(40):
        a = Fraction(int(arrivals[i] * aht[i]), 900)
        n = max(math.floor(a) + 1, math.ceil(float(a) / 0.9 - 1e-9))
        while exact_sl(n, a, float(aht[i]), 20) < 0.8:
            n += 1
        assert got[i] == n


def test_stability_tiny_and_huge_traffic():
    tiny = erlang.required_agents(0.01 * 900 / 180, 180, 900, 20, 0.8)  # A = 0.01
    assert tiny == 1
    huge_arrivals = 3000 * 900 / 180  # A = 3000
    n = int(erlang.required_agents(huge_arrivals, 180, 900, 20, 0.8))
    assert 3000 < n < 3100
    sl = erlang.service_level([n - 1, n], 3000.0, 180, 20)
    assert np.all(np.isfinite(sl)) and sl[0] < 0.8 <= sl[1]
    assert np.isfinite(erlang.erlang_c(3001, 3000.0)) and 0 < erlang.erlang_c(3001, 3000.0) <= 1
    # Erlang A stays finite far from and close to the load, including N ≪ A (Erlang B's cdf underflows)
    ea = erlang.erlang_a([1, 1000, 2900, 3050], 3000.0, 180, 120, 20)
    for measure in ea:
        assert np.all(np.isfinite(measure)) and np.all((measure >= 0) & (measure <= 1))
    assert ea.abandon_share[0] == pytest.approx(1 - 1 / 3000, abs=1e-6)  # one server: nearly all abandon
    n_a = erlang.erlang_a_required_agents([0.01 * 900 / 180, huge_arrivals], 180, 900, 20, 0.8, 120)
    assert n_a[0] == 1 and n_a[1] <= n
    # at this scale Erlang A plans below the load: ~12 % abandon, the rest are answered within seconds
    sl_a = erlang.erlang_a([n_a[1] - 1, n_a[1]], 3000.0, 180, 120, 20).service_level
    assert sl_a[0] < 0.8 <= sl_a[1]


def test_zero_traffic_needs_nobody_and_goal_validated():
    assert erlang.required_agents([0, 5], [180, 0], 900, 20, 0.8).tolist() == [0, 0]
    with pytest.raises(ValueError):
        erlang.required_agents(10, 180, 900, 20, 1.0)


def test_property_more_arrivals_never_fewer_agents():
    arrivals = np.arange(0, 2000, 7.0)
    n = erlang.required_agents(arrivals, 240, 900, 20, 0.8, 0.9)
    assert np.all(np.diff(n) >= 0)


def test_property_stricter_goal_never_fewer_agents():
    goals = np.linspace(0.05, 0.99, 60)
    for arrivals in (3, 40, 400):
        n = erlang.required_agents(arrivals, 300, 900, 20, goals)
        assert np.all(np.diff(n) >= 0)
    targets = np.linspace(1, 120, 50)  # a shorter target is stricter too
    n = erlang.required_agents(40, 300, 900, targets[::-1], 0.8)
    assert np.all(np.diff(n) >= 0)


def _ctmc_erlang_a(n: int, a: float, aht: float, patience: float, target: float, k_max: int = 400):
    """Independent Erlang A: stationary distribution of the truncated birth–death chain, and the tagged
    customer's position-in-queue chain solved with a matrix exponential."""
    lam, mu, theta = a / aht, 1.0 / aht, 1.0 / patience
    states = n + k_max
    rates = [1.0]
    for k in range(1, states + 1):
        rates.append(lam / (min(k, n) * mu + max(k - n, 0) * theta))
    logp = np.cumsum(np.log(rates))
    p = np.exp(logp - logp.max())
    p /= p.sum()
    p_wait = p[n:].sum()
    abandon = sum(p[n + j] * j * theta for j in range(1, k_max)) / lam
    # tagged customer: j ahead (0..k_max-1), absorbing "served" (index k_max) and "abandoned" (k_max + 1)
    size = k_max + 2
    q = np.zeros((size, size))
    for j in range(k_max):
        move = n * mu + j * theta
        q[j, j - 1 if j > 0 else k_max] += move
        q[j, k_max + 1] += theta
        q[j, j] -= move + theta
    start = np.zeros(size)
    start[:k_max] = p[n : n + k_max]
    at_t = start @ linalg.expm(q * target)
    sl = p[:n].sum() + at_t[k_max]
    return p_wait, sl, abandon


@pytest.mark.parametrize(
    ("n", "a", "aht", "patience"), [(13, 10.0, 180, 120), (9, 10.0, 180, 60), (4, 3.0, 300, 600)]
)
def test_erlang_a_matches_ctmc(n, a, aht, patience):
    p_wait, sl, abandon = _ctmc_erlang_a(n, a, aht, patience, 20)
    got = erlang.erlang_a(n, a, aht, patience, 20)
    assert float(got.probability_of_wait) == pytest.approx(p_wait, abs=1e-4)
    assert float(got.abandon_share) == pytest.approx(abandon, abs=1e-4)
    assert float(got.service_level) == pytest.approx(sl, abs=1e-4)


def test_erlang_a_tends_to_erlang_c_with_infinite_patience():
    got = erlang.erlang_a([13, 14, 3100], [10.0, 10.0, 3000.0], 180, 1e9, 20)
    c = erlang.erlang_c([13, 14, 3100], [10.0, 10.0, 3000.0])
    sl = erlang.service_level([13, 14, 3100], [10.0, 10.0, 3000.0], 180, 20)
    np.testing.assert_allclose(got.probability_of_wait, c, atol=1e-5)
    np.testing.assert_allclose(got.service_level, sl, atol=1e-5)


def test_erlang_a_required_agents_and_patience():
    n = int(erlang.erlang_a_required_agents(100, 180, 1800, 20, 0.8, 120)[0])
    sl = erlang.erlang_a([n - 1, n], 10.0, 180, 120, 20).service_level
    assert sl[0] < 0.8 <= sl[1]
    assert n <= 14  # abandonment never makes the queue need more than Erlang C here
    assert erlang.estimate_patience([600.0, 50.0], [5, 0])[0] == pytest.approx(120.0)
    assert np.isnan(erlang.estimate_patience([600.0, 50.0], [5, 0])[1])
    assert erlang.erlang_a_required_agents(10, 180, 900, 20, 0.8, np.nan)[0] == -1


def test_chat_concurrency_slots():
    """Per-chat AHT 200 s (apportioned), 2.5 chats at once, 100 chats / 30 min: slots hold a chat 500 s.

    Expected slot counts computed by hand with the exact Erlang C formula (math.factorial, least N > A with
    SL ≥ 0.8 at 60 s and A/N ≤ 0.85): A = 27.8 → 33 slots; A = 33.3 → 40 slots; A = 11.1 → 14 agents.
    """
    r = erlang.required_agents_concurrency(100, 200, 2.5, 3, 1800, 60, 0.8, 0.85)
    assert int(r.slots) == 33
    assert int(r.agents) == 14  # ceil(33 / 2.5)
    # never more than max_concurrency chats per agent: observed 5 is capped at 3
    capped = erlang.required_agents_concurrency(100, 200, 5.0, 3, 1800, 60, 0.8, 0.85)
    assert float(capped.concurrency) == 3.0
    assert int(capped.slots) == 40  # a slot is held 200 × 3 = 600 s
    assert int(capped.agents) == 14  # ceil(40 / 3)
    # concurrency 1 is plain Erlang C
    one = erlang.required_agents_concurrency(100, 200, 1.0, 3, 1800, 60, 0.8, 0.85)
    assert int(one.agents) == 14


def test_zero_target_gallops_without_a_closed_form_bound():
    """Target 0 s: the service level is 1 − C, so the least N with C ≤ 1 − goal (no closed-form bound)."""
    for arrivals in (5, 10, 50):
        a = Fraction(arrivals * 180, 900)
        n = math.floor(a) + 1
        while float(exact_erlang_c(n, a)) > 0.2:
            n += 1
        assert erlang.required_agents(arrivals, 180, 900, 0, 0.8) == n
