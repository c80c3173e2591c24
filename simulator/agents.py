"""Agents: skills, weekly rosters, daily shifts with breaks, and the pools that hand work to them.

Each agent has one skill (voice, chat or async = email/SMS/social). An agent works five days a week (most have
the weekend off, the others two consecutive weekdays), one 8.5-hour shift per working day that starts between
06:00 and 14:00 UTC, with two 15-minute breaks, a 30-minute lunch and sometimes a meeting or a training block.
Work is only ever scheduled inside the *productive windows* (shift minus those blocks), so no work segment
crosses a break, a lunch, the end of a shift or midnight. ``agent_states`` is derived after the day is
simulated: offline outside the shift, the blocks with their state, and inside the windows ``busy`` where the
union of the agent's work segments is and ``available`` elsewhere — so the states cover every segment.

A :class:`Pool` is a set of servers (agent × slot): one slot per voice/async agent, ``max_concurrency`` slots
per chat agent, so an agent can never hold more chats than slots. A task goes to the server that can start it
first inside a productive window long enough for the whole task (ties: the lowest slot, then the agent idle
the longest), which is a FIFO multi-server queue evaluated with numpy over all servers at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import arrivals

DAY = 86400
NEVER = np.int64(1) << 62
SKILLS = ("voice", "chat", "async")
_SKILL_SHARE = (0.4, 0.25, 0.35)


@dataclass(frozen=True)
class Shift:
    start: int  # epoch seconds
    end: int
    blocks: tuple[tuple[int, int, str], ...]  # non-productive spans inside the shift, sorted
    windows: tuple[tuple[int, int], ...]  # productive spans (shift minus blocks)


@dataclass(frozen=True)
class Roster:
    agent_ids: tuple[str, ...]
    skill: np.ndarray  # int index into SKILLS per agent
    shifts: tuple[tuple[Shift | None, ...], ...]  # [day][agent]; None = day off

    def members(self, skill: str) -> np.ndarray:
        return np.flatnonzero(self.skill == SKILLS.index(skill))


def make_roster(rng: np.random.Generator, n_agents: int, days: int, t0: int, weekday0: int) -> Roster:
    """Skills, days off and shifts of every agent for the whole period (small: days × agents)."""
    counts = np.maximum(1, np.round(np.array(_SKILL_SHARE) * n_agents).astype(int))
    counts[2] = max(1, n_agents - counts[0] - counts[1])
    skill = np.repeat(np.arange(3), counts)[:n_agents]
    skill = np.concatenate([skill, np.full(max(0, n_agents - skill.size), 2)])
    skill = rng.permutation(skill)
    # Days off: 60 % Saturday+Sunday, the rest two consecutive weekdays.
    weekend = rng.random(n_agents) < 0.6
    first_off = np.where(weekend, 5, rng.integers(0, 4, n_agents))
    # Base start in half-hours after 06:00: real-time skills follow their channel's demand, async is spread.
    base_start = 6 * 3600 + 1800 * rng.choice(_STARTS, size=n_agents, p=_start_weights())
    for k, channel in ((0, "voice"), (1, "chat")):
        members = np.flatnonzero(skill == k)
        base_start[members] = 6 * 3600 + 1800 * _demand_starts(members.size, channel)
    shifts: list[tuple[Shift | None, ...]] = []
    for d in range(days):
        weekday = (weekday0 + d) % 7
        day_start = t0 + d * DAY
        off = (weekday == first_off) | (weekday == (first_off + 1) % 7)
        jitter = rng.integers(-2, 3, n_agents) * 900
        meeting = rng.random(n_agents)
        row: list[Shift | None] = []
        for a in range(n_agents):
            if off[a]:
                row.append(None)
                continue
            start = day_start + int(
                np.clip(base_start[a] + jitter[a], 6 * 3600, 6 * 3600 + 1800 * (_STARTS - 1))
            )
            row.append(_shift(start, float(meeting[a])))
        shifts.append(tuple(row))
    ids = tuple(f"A{a + 1:03d}" for a in range(n_agents))
    return Roster(ids, skill, tuple(shifts))


_STARTS = 19  # shift starts 06:00 .. 15:00 by half-hours (the last shift ends 23:30)
_SHIFT_QH = 34  # quarter-hours in a shift


def _start_weights() -> np.ndarray:
    # a morning bump (08:00-09:30) over a flat base
    w = 1.0 + 1.5 * np.exp(-0.5 * ((np.arange(_STARTS) - 5.0) / 3.0) ** 2)
    return w / w.sum()


def _demand_starts(n: int, channel: str) -> np.ndarray:
    """Greedy schedule: each agent takes the start that covers most of the still-uncovered demand (relative
    to the demand, so quiet evening hours are covered as well as the peak)."""
    demand = arrivals.intraday_shape(channel)
    demand = demand / demand.sum() * n * _SHIFT_QH
    coverage = np.zeros(demand.size)
    starts = np.zeros(n, dtype=np.int64)
    for j in range(n):
        deficit = np.maximum(demand - coverage, 0.0) / np.maximum(demand, 1e-9)
        gains = [deficit[24 + 2 * s : 24 + 2 * s + _SHIFT_QH].sum() for s in range(_STARTS)]
        best = int(np.argmax(gains))
        starts[j] = best
        coverage[24 + 2 * best : 24 + 2 * best + _SHIFT_QH] += 1.0
    return starts


def _shift(start: int, u: float) -> Shift:
    end = start + 8 * 3600 + 1800
    blocks = [
        (start + 2 * 3600, start + 2 * 3600 + 900, "break"),
        (start + 4 * 3600, start + 4 * 3600 + 1800, "lunch"),
        (start + 6 * 3600 + 1800, start + 6 * 3600 + 2700, "break"),
    ]
    if u < 0.12:
        blocks.append((start + 3600, start + 3600 + 1800, "meeting"))
    elif u < 0.2:
        blocks.append((start + 5 * 3600, start + 6 * 3600, "training"))
    blocks.sort()
    windows, cursor = [], start
    for b_start, b_end, _ in blocks:
        if b_start > cursor:
            windows.append((cursor, b_start))
        cursor = b_end
    if end > cursor:
        windows.append((cursor, end))
    return Shift(start, end, tuple(blocks), tuple(windows))


class Pool:
    """Servers (agent × slot) of one skill, with the time each server is next free."""

    def __init__(self, roster: Roster, skill: str, slots: int, horizon_days: int = 3) -> None:
        self.roster = roster
        self.agents = roster.members(skill)
        self.slots = slots
        n = self.agents.size
        self.server_agent = np.repeat(np.arange(n), slots)
        self.server_slot = np.tile(np.arange(slots), n)
        self.free_at = np.zeros(n * slots, dtype=np.int64)
        self.horizon_days = horizon_days
        self.ws = np.full((n * slots, 1), NEVER, dtype=np.int64)
        self.we = np.full((n * slots, 1), NEVER, dtype=np.int64)

    @property
    def size(self) -> int:
        return int(self.agents.size)

    def set_day(self, day: int) -> None:
        """Load the productive windows of days day .. day + horizon - 1 (no work is planned later)."""
        per_agent: list[list[tuple[int, int]]] = [[] for _ in range(self.agents.size)]
        for d in range(day, min(day + self.horizon_days, len(self.roster.shifts))):
            for j, a in enumerate(self.agents):
                shift = self.roster.shifts[d][a]
                if shift is not None:
                    per_agent[j].extend(shift.windows)
        width = max(1, max((len(w) for w in per_agent), default=1))
        ws = np.full((self.agents.size, width), NEVER, dtype=np.int64)
        we = np.full((self.agents.size, width), NEVER, dtype=np.int64)
        for j, wins in enumerate(per_agent):
            if wins:
                arr = np.array(wins, dtype=np.int64)
                ws[j, : len(wins)] = arr[:, 0]
                we[j, : len(wins)] = arr[:, 1]
        self.ws = ws[self.server_agent]
        self.we = we[self.server_agent]

    def earliest(self, ready: int, duration: int, exclude_agent: int = -1) -> tuple[int, int]:
        """(server, start) of the earliest feasible start of a task, or (-1, NEVER)."""
        if self.agents.size == 0:
            return -1, int(NEVER)
        cand = np.maximum(self.free_at, ready)[:, None]
        start = np.maximum(cand, self.ws)
        ok = (start + duration <= self.we) & (self.ws < NEVER)
        has = ok.any(axis=1)
        first = ok.argmax(axis=1)
        best = np.where(has, start[np.arange(start.shape[0]), first], NEVER)
        if exclude_agent >= 0:
            best[self.agents[self.server_agent] == exclude_agent] = NEVER
        order = np.lexsort((self.free_at, self.server_slot, best))
        server = int(order[0])
        if best[server] >= NEVER:
            return -1, int(NEVER)
        return server, int(best[server])

    def agent_of(self, server: int) -> int:
        """Roster index of the agent behind a server."""
        return int(self.agents[self.server_agent[server]])

    def commit(self, server: int, end: int) -> None:
        self.free_at[server] = end


def state_rows(roster: Roster, day: int, day_start: int, busy: dict[int, np.ndarray]) -> list[tuple]:
    """agent_states rows of one day: (agent_id, state, started_at, ended_at).

    ``busy`` maps roster index -> (n, 2) array of that agent's work segments of the day.
    """
    rows: list[tuple] = []
    day_end = day_start + DAY
    for a, agent_id in enumerate(roster.agent_ids):
        shift = roster.shifts[day][a]
        if shift is None:
            rows.append((agent_id, "offline", day_start, day_end))
            continue
        rows.append((agent_id, "offline", day_start, shift.start))
        spans: list[tuple[int, int, str]] = [(s, e, state) for s, e, state in shift.blocks]
        union = _union(busy.get(a))
        for w_start, w_end in shift.windows:
            cursor = w_start
            for b_start, b_end in union:
                if b_end <= w_start or b_start >= w_end:
                    continue
                b_start, b_end = max(b_start, w_start), min(b_end, w_end)
                if b_start > cursor:
                    spans.append((cursor, b_start, "available"))
                spans.append((b_start, b_end, "busy"))
                cursor = b_end
            if w_end > cursor:
                spans.append((cursor, w_end, "available"))
        spans.sort()
        rows.extend((agent_id, state, s, e) for s, e, state in spans)
        rows.append((agent_id, "offline", shift.end, day_end))
    return rows


def _union(segments: np.ndarray | None) -> list[tuple[int, int]]:
    """Union of intervals as a sorted list of disjoint (start, end)."""
    if segments is None or len(segments) == 0:
        return []
    seg = segments[np.argsort(segments[:, 0], kind="stable")]
    ends = np.maximum.accumulate(seg[:, 1])
    new = np.ones(len(seg), dtype=bool)
    new[1:] = seg[1:, 0] > ends[:-1]
    starts = seg[new, 0]
    group = np.cumsum(new) - 1
    group_end = np.zeros(starts.size, dtype=np.int64)
    np.maximum.at(group_end, group, seg[:, 1])
    return list(zip(starts.tolist(), group_end.tolist(), strict=True))
