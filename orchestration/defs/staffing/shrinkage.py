"""Shrinkage from agent state history, and scheduled agents after shrinkage (SPEC §7).

shrinkage = (break + lunch + meeting + training seconds) ÷ paid seconds, paid = every state except
``offline``. Agents are not tied to queues in the landing data (``agent_states`` has no queue), so the
estimate is center-wide; where there is no history, the policy's ``default_shrinkage`` applies.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchestration.defs.staffing.erlang import ceil_tol

SHRINKAGE_STATES: frozenset[str] = frozenset({"break", "lunch", "meeting", "training"})
UNPAID_STATES: frozenset[str] = frozenset({"offline"})


def shrinkage_from_states(states: Iterable[str], seconds: ArrayLike, default: float) -> float:
    """Shrinkage share from per-span (or per-state) durations; ``default`` when nothing was paid.

    Spans of negative length count as 0 (the quality gates report them).
    """
    state = np.asarray(list(states), dtype=object)
    secs = np.maximum(np.asarray(seconds, dtype=float), 0.0)
    if state.size == 0:
        return float(default)
    lowered = np.array([str(s).lower() for s in state], dtype=object)
    paid = ~np.isin(lowered, list(UNPAID_STATES))
    shrink = np.isin(lowered, list(SHRINKAGE_STATES))
    paid_seconds = float(secs[paid].sum())
    if paid_seconds <= 0:
        return float(default)
    return float(secs[shrink].sum() / paid_seconds)


def scheduled_agents(required: ArrayLike, shrinkage: ArrayLike) -> NDArray[np.int64]:
    """Agents to schedule so that ``required`` remain after shrinkage: ⌈required ÷ (1 − shrinkage)⌉."""
    req = np.asarray(required, dtype=float)
    s = np.asarray(shrinkage, dtype=float)
    if np.any((s < 0) | (s >= 1)):
        raise ValueError("shrinkage must be in [0, 1)")
    return ceil_tol(req / (1.0 - s)).astype(np.int64)
