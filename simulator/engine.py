"""The day loop: simulate every channel one UTC day at a time, then write that day and forget it.

Order inside a day: chat, then email/SMS/social, then voice — so the switches a day produces (chat → email,
chat/email/SMS → voice) are delivered to the channel that receives them before it runs. State carried between
days is small: open threads waiting for a customer reply (task heaps), calls spawned for a later day, agents'
next free times, id counters. Every random draw comes from a generator seeded by (seed, day, channel), so the
same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from orchestration.landing import SOURCES
from orchestration.paths import DBT_PROJECT_DIR, DEFAULT_POLICY_CSV
from simulator import agents as agents_mod
from simulator import customers, timefmt, truth
from simulator.chat import ChatEngine
from simulator.messaging import MessagingEngine
from simulator.output import Output
from simulator.records import DAY, DayBuffer, Sink
from simulator.voice import VoiceEngine

DEFAULT_START = date(2026, 1, 5)  # a Monday
# Mean weekday-neutral daily volumes (new contacts) for 40 agents; they scale with the number of agents.
VOLUME_PER_40 = {"voice": 560.0, "chat": 620.0, "email": 190.0, "sms": 80.0, "social": 60.0}
CUSTOMERS_PER_AGENT = 1000
# Longest a thread of a channel usually stays active (for keeping unrelated contacts of one customer apart).
_THREAD_SPAN = {"email": 7 * DAY, "sms": 2 * DAY, "social": 2 * DAY, "chat": 3 * 3600, "voice": 2 * 3600}
_CHANNELS = ("email", "chat", "sms", "social", "voice")
_CHANNEL_CODE = {"population": 0, "roster": 1, "chat": 2, "messaging": 3, "voice": 4, "faults": 5}


@dataclass
class Summary:
    out: Path
    truth_dir: Path
    manifest: Path | None
    days: int
    files: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    faults: int = 0
    seconds: float = 0.0
    truth_seconds: float = 0.0  # of which: the final ground-truth pass

    @property
    def events(self) -> int:
        return sum(self.rows.values())

    def text(self) -> str:
        per = ", ".join(f"{s}={n}" for s, n in self.rows.items())
        lines = [
            f"landing zone: {self.out} ({self.files} files, {self.bytes / 1e6:.1f} MB, {self.days} days)",
            f"rows: {self.events} ({per})",
            f"truth: {self.truth_dir}",
        ]
        if self.manifest is not None:
            lines.append(f"faults: {self.faults} injected, manifest {self.manifest}")
        rate = self.events / max(self.seconds, 1e-9)
        lines.append(
            f"{self.seconds:.1f} s ({self.truth_seconds:.1f} s of it for the truth tables), "
            f"{rate:,.0f} rows/s"
        )
        return "\n".join(lines)


def read_seed(name: str) -> list[dict[str, str]]:
    path = DEFAULT_POLICY_CSV if name == "channel_policies" else DBT_PROJECT_DIR / "seeds" / f"{name}.csv"
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


class Context:
    """What the channel engines share: clock, sink, population, roster, policy, the other engines."""

    def __init__(self, start: date, days: int, seed: int, n_agents: int) -> None:
        self.seed = seed
        self.days = days
        self.t0 = int((start - date(1970, 1, 1)).days) * DAY
        self.weekday0 = start.weekday()
        self.scale = n_agents / 40.0
        self.policies = {row["channel"]: row for row in read_seed("channel_policies")}
        queue_ids = {(row["channel"], row["source_key"]): row["queue_id"] for row in read_seed("queues")}
        self.population = customers.make_population(
            self.rng_for(0, "population"), max(200, CUSTOMERS_PER_AGENT * n_agents), days
        )
        self.roster = agents_mod.make_roster(
            self.rng_for(0, "roster"), n_agents, days, self.t0, self.weekday0
        )
        self.sink = Sink(self.t0, days, self.roster.agent_ids, queue_ids)
        chat_slots = int(self.policies["chat"]["max_concurrency"])
        self.chat = ChatEngine(self, agents_mod.Pool(self.roster, "chat", chat_slots))
        self.messaging = MessagingEngine(self, agents_mod.Pool(self.roster, "async", 1))
        self.voice = VoiceEngine(self, agents_mod.Pool(self.roster, "voice", 1))
        size = self.population.size
        self._recent_channel = np.full(size, -1, dtype=np.int8)
        self._recent_from = np.zeros(size, dtype=np.int64)
        self._recent_until = np.zeros(size, dtype=np.int64)
        self._reach = {
            ch: _THREAD_SPAN[ch] + int(float(self.policies[ch]["switch_window_minutes"]) * 60)
            for ch in _CHANNELS
        }

    def claim(self, rng: np.random.Generator, customer: int, channel: str, t: int) -> int:
        """The customer who opens an unrelated thread on ``channel`` at ``t``.

        SPEC §3 links a customer's threads on different channels that follow each other within
        ``switch_window_minutes``; unrelated contacts are kept out of that window (another customer is drawn),
        so that every such link in the data is a switch the simulator meant (and the truth's journeys agree
        with the rule).
        """
        code = _CHANNELS.index(channel)
        for _ in range(8):
            other = self._recent_channel[customer]
            if (
                other < 0
                or other == code
                or not (
                    self._recent_from[customer] - self._reach[channel] <= t <= self._recent_until[customer]
                )
            ):
                break
            customer = int(self.population.sample(rng, 1)[0])
        self.mark(customer, channel, t)
        return customer

    def mark(self, customer: int, channel: str, t: int) -> None:
        """Remember the customer's latest thread (also for switches, which are meant to be linked)."""
        self._recent_channel[customer] = _CHANNELS.index(channel)
        self._recent_from[customer] = t
        self._recent_until[customer] = t + self._reach[channel]

    def rng_for(self, day: int, what: str, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.seed, day, _CHANNEL_CODE[what], salt])

    def weekday(self, day: int) -> int:
        return (self.weekday0 + day) % 7

    def volume(self, channel: str) -> float:
        return VOLUME_PER_40[channel] * self.scale

    def gap(self, channel: str, column: str) -> float:
        return float(self.policies[channel][column])


def generate(
    out: Path,
    days: int = 28,
    seed: int = 7,
    agents: int = 40,
    start: date = DEFAULT_START,
    faults: bool = False,
    truth_dir: Path | None = None,
    workers: int = 1,
) -> Summary:
    """Write a synthetic landing zone (SPEC §2) to ``out``, its ground truth beside it, and optional faults.

    Truth goes to ``truth_dir`` (default ``<out>.truth``), the fault manifest to ``<out>.faults.json``.
    Existing source folders under ``out`` are replaced. ``workers=1`` writes in a second process while the
    next day is simulated; ``workers=0`` writes in-process (same bytes).
    """
    began = time.perf_counter()
    out = Path(out)
    truth_dir = Path(truth_dir) if truth_dir is not None else out.with_name(out.name + ".truth")
    manifest = out.with_name(out.name + ".faults.json")
    for source in SOURCES:
        shutil.rmtree(out / source, ignore_errors=True)
    shutil.rmtree(truth_dir, ignore_errors=True)
    manifest.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    ctx = Context(start, days, seed, agents)
    fault_seed = [seed, 0, _CHANNEL_CODE["faults"], 0] if faults else None
    output = Output(out, truth_dir, days, fault_seed, workers=workers)
    for day in range(days):
        ctx.chat.run_day(day, ctx.rng_for(day, "chat"))
        ctx.messaging.run_day(day, ctx.rng_for(day, "messaging"))
        ctx.voice.run_day(day, ctx.rng_for(day, "voice"))
        output.write_day(day, timefmt.day_string((ctx.t0 + day * DAY) // DAY), _complete_day(ctx, day))
    written = output.close(manifest)
    summary = Summary(
        out,
        truth_dir,
        manifest if faults else None,
        days,
        written.files,
        written.bytes,
        written.rows,
        written.faults,
    )
    truth_began = time.perf_counter()
    truth.TruthParts(truth_dir).finalize(ctx.policies)
    summary.truth_seconds = time.perf_counter() - truth_began
    summary.seconds = time.perf_counter() - began
    return summary


def _complete_day(ctx: Context, day: int) -> DayBuffer:
    """Take a simulated day's buffer and add what is derived at the end of the day: states, directory."""
    buf = ctx.sink.pop(day)
    day_start = ctx.t0 + day * DAY
    # agent states from the day's work segments
    index = {a: i for i, a in enumerate(ctx.roster.agent_ids)}
    by_agent: dict[int, list[tuple[int, int]]] = {}
    for seg in buf.segments:
        by_agent.setdefault(index[seg[1]], []).append((seg[7], seg[8]))
    busy = {a: np.array(v, dtype=np.int64) for a, v in by_agent.items()}
    for values in agents_mod.state_rows(ctx.roster, day, day_start, busy):
        ctx.sink.land("agent_states", values, timefmt.UTC0)
    states = ctx.sink.pop(day).landing["agent_states"]  # landed into a fresh buffer for this day
    buf.landing["agent_states"] = states
    buf.landing["customers"] = [
        (0, i, values, 0) for i, values in enumerate(customers.directory_rows(ctx.population, day))
    ]
    return buf
