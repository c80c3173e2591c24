"""Erlang C and Erlang A (M/M/N+M), vectorized over arrays of intervals. Pure numpy in, numpy out.

Conventions (SPEC §7): per interval, ``arrivals`` contacts of mean handle ``aht`` seconds arrive in an
interval of ``interval_seconds``; traffic A = arrivals × aht / interval_seconds Erlangs. A contact is "in
service level" when answered within ``target`` seconds; the goal is the share of contacts that must be.

Numerics: no factorials. Erlang B(N, A) = Poisson pmf(N; A) / Poisson cdf(N; A), evaluated in log space
with ``gammaln`` and the regularized incomplete gamma (``scipy.special.pdtr``), so it is exact to double
precision from 0.01 to many thousands of Erlangs. Erlang C follows from B: C = N·B / (N − A·(1 − B)).
The least-N searches evaluate every row at once and move per-row bounds with masks (bisection between the
lowest admissible N and a closed-form upper bound): O(rows × log(range)), never a Python loop per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# tolerance for ceil() on quotients that are integers up to float noise (7 / 0.7 = 10.000000000000002)
_EPS = 1e-9
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)


def ceil_tol(x: ArrayLike) -> FloatArray:
    """ceil() that does not round 10.000000000000002 up to 11."""
    return np.ceil(np.asarray(x, dtype=float) - _EPS)


def traffic_intensity(arrivals: ArrayLike, aht: ArrayLike, interval_seconds: ArrayLike) -> FloatArray:
    """Offered load in Erlangs: A = arrivals × AHT / interval length."""
    return (
        np.asarray(arrivals, dtype=float) * np.asarray(aht, dtype=float) / np.asarray(interval_seconds, float)
    )


def log_erlang_b(n: ArrayLike, a: ArrayLike) -> FloatArray:
    """log of the Erlang B blocking probability B(N, A) for integer N ≥ 0 and A > 0 (vectorized)."""
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pmf = n * np.log(a) - a - special.gammaln(n + 1.0)
        cdf = special.pdtr(n, a)  # P(Poisson(A) ≤ N) = Q(N + 1, A)
        log_b = log_pmf - np.log(cdf)
        # cdf underflows only when N ≪ A; there 1/B = 1 + N/A + N(N−1)/A² + … ≈ 1 / (1 − N/A)
        deep = ~(cdf > 1e-280)
        log_b = np.where(deep, np.log1p(-np.minimum(n / a, 1.0 - 1e-12)), log_b)
        log_b = np.where(a <= 0, np.where(n == 0, 0.0, -np.inf), log_b)
    return np.minimum(log_b, 0.0)


def erlang_b(n: ArrayLike, a: ArrayLike) -> FloatArray:
    """Erlang B: probability that an arrival finds all N servers busy in a loss system with A Erlangs."""
    return np.exp(log_erlang_b(n, a))


def erlang_c(n: ArrayLike, a: ArrayLike) -> FloatArray:
    """Erlang C: probability that an arrival waits, C(N, A). 1 when N ≤ A (the queue is unstable)."""
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    b = erlang_b(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    c = np.where(n > a, np.clip(c, 0.0, 1.0), 1.0)
    return np.where(a <= 0, 0.0, c)


def service_level(n: ArrayLike, a: ArrayLike, aht: ArrayLike, target: ArrayLike) -> FloatArray:
    """Share answered within target: 1 − C(N, A)·exp(−(N − A)·target / AHT). 0 when N ≤ A."""
    n, a, aht, target = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (n, a, aht, target)))
    c = erlang_c(n, a)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * target / aht)
    sl = np.where(n > a, sl, 0.0)
    return np.where(a <= 0, 1.0, sl)


def average_speed_of_answer(n: ArrayLike, a: ArrayLike, aht: ArrayLike) -> FloatArray:
    """ASA = C(N, A)·AHT / (N − A) seconds; inf when N ≤ A."""
    n, a, aht = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (n, a, aht)))
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = erlang_c(n, a) * aht / (n - a)
    asa = np.where(n > a, asa, np.inf)
    return np.where(a <= 0, 0.0, asa)


def occupancy(n: ArrayLike, a: ArrayLike) -> FloatArray:
    """Agent occupancy A / N (0 when no agents are needed)."""
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, a / n, 0.0)


def least_n(
    predicate: Callable[[FloatArray, NDArray[np.bool_]], NDArray[np.bool_]], lo: ArrayLike, hi: ArrayLike
) -> IntArray:
    """Least integer N in [lo, hi] with ``predicate(N, mask)`` true, for every row at once.

    ``predicate`` must be monotone in N (false … false true … true) and true at ``hi``; it receives the
    candidate N of the rows still searching and the boolean mask selecting them. Bisection with masks:
    O(log(hi − lo)) rounds.
    """
    lo = np.asarray(lo, dtype=float).copy()
    hi = np.asarray(hi, dtype=float).copy()
    while True:
        active = lo < hi
        if not active.any():
            return lo.astype(np.int64)
        mid = np.floor((lo[active] + hi[active]) / 2.0)
        ok = predicate(mid, active)
        hi[active] = np.where(ok, mid, hi[active])
        lo[active] = np.where(ok, lo[active], mid + 1.0)


def _gallop_upper(
    predicate: Callable[[FloatArray, NDArray[np.bool_]], NDArray[np.bool_]],
    start: FloatArray,
    step: FloatArray,
) -> FloatArray:
    """An N ≥ start where ``predicate`` holds, by doubling steps (used where no closed-form bound exists)."""
    hi = start.copy()
    step = np.maximum(step.copy(), 1.0)
    pending = ~predicate(hi, np.ones(hi.shape, dtype=bool))
    for _ in range(64):
        if not pending.any():
            return hi
        hi[pending] = hi[pending] + step[pending]
        step[pending] *= 2.0
        pending[pending] = ~predicate(hi[pending], pending)
    raise ValueError("no staffing level meets the goal (is the goal < 1?)")


def _validate(goal: FloatArray, max_occupancy: FloatArray) -> None:
    if np.any((goal <= 0) | (goal >= 1)):
        raise ValueError(
            "service_level_goal must be in (0, 1): a queue can never answer 100 % within a target"
        )
    if np.any((max_occupancy <= 0) | (max_occupancy > 1)):
        raise ValueError("max_occupancy must be in (0, 1]")


def required_agents(
    arrivals: ArrayLike,
    aht: ArrayLike,
    interval_seconds: ArrayLike,
    target: ArrayLike,
    goal: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> IntArray:
    """Least N > A with service level ≥ goal and A / N ≤ max_occupancy, for every row at once (Erlang C).

    Rows with no traffic (0 arrivals or 0 AHT) need 0 agents. Bounds: the search starts at
    max(⌊A⌋ + 1, ⌈A / max_occupancy⌉) and ends at the closed-form N = ⌈A + AHT/target·ln(1/(1 − goal))⌉, which
    meets the goal because C ≤ 1 (rows with target 0 gallop upwards instead).
    """
    arrivals, aht, interval_seconds, target, goal, max_occupancy = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (arrivals, aht, interval_seconds, target, goal, max_occupancy))
    )
    shape = arrivals.shape
    arrivals, aht, interval_seconds, target, goal, max_occupancy = (
        x.ravel() for x in (arrivals, aht, interval_seconds, target, goal, max_occupancy)
    )
    a = traffic_intensity(arrivals, aht, interval_seconds)
    need = a > 0
    out = np.zeros(a.shape, dtype=np.int64)
    if not need.any():
        return out.reshape(shape)
    _validate(goal[need], max_occupancy[need])
    a_, aht_, t_, g_, m_ = a[need], aht[need], target[need], goal[need], max_occupancy[need]
    lo = np.maximum(np.floor(a_) + 1.0, ceil_tol(a_ / m_))

    def meets(n: FloatArray, mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
        return service_level(n, a_[mask], aht_[mask], t_[mask]) >= g_[mask] - 1e-12

    with np.errstate(divide="ignore"):
        bound = np.ceil(a_ + aht_ / t_ * np.log(1.0 / (1.0 - g_)))
    hi = np.maximum(lo, np.where(np.isfinite(bound), bound, lo))
    no_bound = ~np.isfinite(bound)
    if no_bound.any():
        sub = np.zeros(no_bound.shape, dtype=bool)

        def meets_sub(n: FloatArray, mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
            sub[:] = False
            sub[np.flatnonzero(no_bound)[mask]] = True
            return meets(n, sub)

        hi[no_bound] = _gallop_upper(meets_sub, lo[no_bound], np.sqrt(a_[no_bound]) + 1.0)
    out[need] = least_n(meets, lo, hi)
    return out.reshape(shape)


class ErlangAResult(NamedTuple):
    """Erlang A (M/M/N+M) measures per row."""

    probability_of_wait: FloatArray
    service_level: FloatArray  # share of offered contacts answered within target
    abandon_share: FloatArray  # share of offered contacts that abandon
    occupancy: FloatArray  # carried load A·(1 − abandon share) / N


def _log_j(x: FloatArray, y: FloatArray, u: FloatArray) -> FloatArray:
    """log Σ_j q_j·P(V > t | j ahead) for M/M/N+M with x = Nμ/θ, y = λ/θ, u = e^{−θt} (u = 1: the J function).

    Closed form derived from the hypoexponential wait: Γ(x+1)·e^y·y^(−x)·P(x, y·u), P the regularized lower
    incomplete gamma. Where P underflows (y·u well below x) the same quantity is written
    u^x·e^{y(1−u)}·M(1, x+1, y·u) and Kummer's M by its large-x expansion 1/(1−z) − z/((x+1)(1−z)³),
    z = y·u/(x+1), whose error is below 1e-6 in that region.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        yu = y * u
        p = special.gammainc(x, yu)
        gamma_form = special.gammaln(x + 1.0) + y - x * np.log(y) + np.log(p)
        z = yu / (x + 1.0)
        kummer = 1.0 / (1.0 - z) - z / ((x + 1.0) * (1.0 - z) ** 3)
        series_form = x * np.log(u) + y * (1.0 - u) + np.log(np.maximum(kummer, 1.0))
        log_j = np.where(p > 1e-250, gamma_form, series_form)
        return np.maximum(np.nan_to_num(log_j, nan=-np.inf), x * np.log(u))


def erlang_a(
    n: ArrayLike, a: ArrayLike, aht: ArrayLike, patience: ArrayLike, target: ArrayLike
) -> ErlangAResult:
    """Erlang A measures: exponential service (mean ``aht``) and exponential patience (mean ``patience``).

    P(wait) = B·J / (1 − B + B·J); P(abandon | wait) = 1 − 1/ρ + 1/(ρ·J) with ρ = A/N (Mandelbaum & Zeltyn).
    Service level = 1 − P(still waiting at target) − P(abandoned before target), the second term by 12-point
    Gauss–Legendre quadrature of θ·e^{−θs}·P(V > s) over [0, target]. N may be ≤ A (abandonment keeps the
    queue stable).
    """
    n, a, aht, patience, target = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (n, a, aht, patience, target))
    )
    n = np.maximum(n, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = n * patience / aht  # Nμ/θ
        y = a * patience / aht  # λ/θ
        log_b = log_erlang_b(n, a)
        log_1mb = np.log(-np.expm1(log_b))

        lj0 = _log_j(x, y, np.ones_like(x))
        log_den = np.logaddexp(log_1mb, log_b + lj0)

        def p_v(u: FloatArray) -> FloatArray:
            # P(V > t) = B·J(t) / (1 − B + B·J(0)), in logs; u = e^{−θt} may carry an extra trailing axis
            extra = (None,) * (u.ndim - x.ndim)
            ljt = _log_j(x[(..., *extra)], y[(..., *extra)], u)
            return np.exp(log_b[(..., *extra)] + ljt - log_den[(..., *extra)])

        p_wait = p_v(np.ones_like(x))
        rho = a / n
        ab_given_wait = np.clip(1.0 - 1.0 / rho + np.exp(-lj0) / rho, 0.0, 1.0)
        abandon = p_wait * ab_given_wait
        theta = 1.0 / patience
        # quadrature nodes s_k in [0, target]
        s = (target[..., None] / 2.0) * (_GL_NODES + 1.0)
        w = (target[..., None] / 2.0) * _GL_WEIGHTS
        u_nodes = np.exp(-theta[..., None] * s)
        abandoned_by_target = np.sum(w * theta[..., None] * u_nodes * p_v(u_nodes), axis=-1)
        u_t = np.exp(-theta * target)
        waiting_at_target = p_v(u_t) * u_t
        sl = np.clip(1.0 - waiting_at_target - abandoned_by_target, 0.0, 1.0)
        occ = a * (1.0 - abandon) / n
    zero = a <= 0
    return ErlangAResult(
        probability_of_wait=np.where(zero, 0.0, p_wait),
        service_level=np.where(zero, 1.0, sl),
        abandon_share=np.where(zero, 0.0, abandon),
        occupancy=np.where(zero, 0.0, occ),
    )


def erlang_a_required_agents(
    arrivals: ArrayLike,
    aht: ArrayLike,
    interval_seconds: ArrayLike,
    target: ArrayLike,
    goal: ArrayLike,
    patience: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> IntArray:
    """Least N ≥ 1 whose Erlang A service level ≥ goal and carried occupancy ≤ max_occupancy (vectorized).

    Rows without traffic need 0; rows with a non-finite or non-positive patience get −1 (no estimate).
    """
    arrivals, aht, interval_seconds, target, goal, patience, max_occupancy = (
        x.ravel()
        for x in np.broadcast_arrays(
            *(
                np.asarray(v, dtype=float)
                for v in (arrivals, aht, interval_seconds, target, goal, patience, max_occupancy)
            )
        )
    )
    a = traffic_intensity(arrivals, aht, interval_seconds)
    out = np.zeros(a.shape, dtype=np.int64)
    bad = ~(np.isfinite(patience) & (patience > 0))
    out[bad] = -1
    need = (a > 0) & ~bad
    if not need.any():
        return out
    _validate(goal[need], max_occupancy[need])
    a_, aht_, t_, g_, p_, m_ = (
        a[need],
        aht[need],
        target[need],
        goal[need],
        patience[need],
        max_occupancy[need],
    )

    def meets(n: FloatArray, mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
        r = erlang_a(n, a_[mask], aht_[mask], p_[mask], t_[mask])
        return (r.service_level >= g_[mask] - 1e-12) & (r.occupancy <= m_[mask] + 1e-12)

    # Erlang C's requirement serves everyone within target more often than Erlang A needs: start the upper
    # bound there and gallop if a row still fails (possible when abandons count against the service level).
    hi = required_agents(a_, aht_, 1.0, t_, g_, m_).astype(float)
    hi = _gallop_upper(meets, hi, np.sqrt(a_) + 1.0)
    out[need] = least_n(meets, np.ones_like(a_), hi)
    return out


def estimate_patience(total_wait_seconds: ArrayLike, abandoned: ArrayLike) -> FloatArray:
    """Mean patience (seconds) by the censored-exponential MLE: Σ waits of all calls / number of abandons.

    Answered calls are right-censored patience observations (the caller would have waited at least that long),
    abandoned calls are exact ones. NaN where nothing was abandoned (patience not identifiable).
    """
    total = np.asarray(total_wait_seconds, dtype=float)
    ab = np.asarray(abandoned, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ab > 0, total / ab, np.nan)


class ConcurrencyResult(NamedTuple):
    """Chat staffing on slots (see ``required_agents_concurrency``)."""

    agents: IntArray
    slots: IntArray
    concurrency: FloatArray
    service_level: FloatArray
    occupancy: FloatArray


def required_agents_concurrency(
    arrivals: ArrayLike,
    per_chat_aht: ArrayLike,
    concurrency: ArrayLike,
    max_concurrency: ArrayLike,
    interval_seconds: ArrayLike,
    target: ArrayLike,
    goal: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> ConcurrencyResult:
    """Method ``erlang_c_concurrency``: Erlang C on chat slots, then agents = ⌈slots / c⌉.

    ``per_chat_aht`` is the agent time per chat under ``apportioned`` concurrency. Each agent holds
    c = min(observed concurrency, max_concurrency) (≥ 1) chat slots; a chat occupies a slot for its
    wall-clock handle time per_chat_aht × c. Erlang C on slots gives the least slots meeting the goal (the
    wait for a free slot is what the customer sees), agents = ⌈slots / c⌉, so no agent holds more than
    c ≤ max_concurrency chats.
    The agent workload (arrivals × per_chat_aht) is the same as the single-chat model's; only the queueing
    changes. Occupancy reported per agent = agent workload / (agents × interval).
    """
    arrivals, per_chat_aht, concurrency, max_concurrency, interval_seconds, target, goal, max_occupancy = (
        np.broadcast_arrays(
            *(
                np.asarray(v, dtype=float)
                for v in (
                    arrivals,
                    per_chat_aht,
                    concurrency,
                    max_concurrency,
                    interval_seconds,
                    target,
                    goal,
                    max_occupancy,
                )
            )
        )
    )
    c = np.clip(np.nan_to_num(concurrency, nan=np.inf), 1.0, np.maximum(max_concurrency, 1.0))
    slot_aht = per_chat_aht * c
    slots = required_agents(arrivals, slot_aht, interval_seconds, target, goal, max_occupancy)
    agents = ceil_tol(slots / c).astype(np.int64)
    a_slots = traffic_intensity(arrivals, slot_aht, interval_seconds)
    sl = service_level(np.floor(agents * c + _EPS), a_slots, slot_aht, target)
    occ = occupancy(agents, traffic_intensity(arrivals, per_chat_aht, interval_seconds))
    return ConcurrencyResult(agents=agents, slots=slots, concurrency=c, service_level=sl, occupancy=occ)
