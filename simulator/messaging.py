"""Deferred messaging: email, SMS and social threads worked by the async agents.

A thread opens with an inbound customer message. Each inbound message becomes a task for the async pool
(FIFO across the three channels): the agent ``read``s it (segment attributed to the inbound message) and
usually ``compose``s a reply (segment attributed to the outbound message it produced, which is sent when the
composing ends); on later turns the agent sometimes reads and closes without replying (SPEC §10.1). The
customer answers the reply with a probability that falls with every turn, after a heavy-tailed (lognormal)
delay: minutes to days for email, minutes to hours for SMS and social. Consecutive turns are usually worked by
different agents. A few customers call instead of answering (``origin_ref`` ``email:<message_id>`` or
``sms:<sms_id>``), or call without reference (an implicit switch).

Threads are identified the way SPEC §3 reconstructs them: email by ``ticket_id`` (on every message of 60 % of
threads) or else by ``in_reply_to``/``references``; SMS by (phone, business number) — a new SMS conversation
is only started for a phone that has been silent for longer than ``thread_gap_minutes``; social by
``conversation_id`` (Twitter DMs) or by the ``reply_to_post_id`` chain (public posts).

Open threads are the carry-over state between days: their pending customer replies wait in the task heap, and
each message is written in the ``dt=`` folder of the day it was sent.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from simulator import arrivals, timefmt
from simulator.agents import Pool

MAILBOXES = ("support", "billing")
MAILBOX_P = (0.75, 0.25)
BUSINESS_NUMBER = "+15550100"
PLATFORMS = ("twitter", "facebook")
PLATFORM_P = (0.6, 0.4)
TICKETED = 0.6
# per channel: read median s, compose median s, follow-up probability by turn,
# customer reply delay: median s, sigma, cap s
_TIMING = {
    "email": (90, 300, (0.55, 0.35, 0.2, 0.1), 7200, 1.6, 6 * 86400),
    "sms": (30, 90, (0.7, 0.6, 0.45, 0.3), 900, 1.8, 20 * 3600),
    "social": (40, 120, (0.5, 0.35, 0.2), 1800, 1.7, 20 * 3600),
}
CLOSE_WITHOUT_REPLY = 0.35
SWITCH_TO_VOICE = {"email": 0.03, "sms": 0.01, "social": 0.0}
IMPLICIT_VOICE = 0.01
_SUBJECTS = (
    "Order not delivered",
    "Invoice question",
    "Cannot log in",
    "Refund request",
    "Change of address",
    "Damaged item",
    "Subscription cancellation",
)
_TEXT_IN = (
    "Hello, my order has not arrived yet.",
    "Why was I charged twice this month?",
    "I still have the same problem.",
    "Thanks, but that did not help.",
    "Please call me back.",
)
_TEXT_OUT = (
    "Thank you for contacting us. We have looked into it.",
    "Could you send us your order number?",
    "We have issued a refund.",
    "Your account is unlocked now.",
)


@dataclass
class Thread:
    channel: str
    key: str  # mailbox / business number / platform
    customer: int
    thread_id: str = ""
    journey: str = ""
    ticket: str | None = None
    subject: str = ""
    conversation: str | None = None  # social DMs
    chain: list[str] = field(default_factory=list)  # message ids so far
    turn: int = 0


class MessagingEngine:
    def __init__(self, ctx, pool: Pool) -> None:
        self.ctx = ctx
        self.pool = pool
        self.heap: list[tuple[int, int, Thread, str]] = []
        self.sms_busy_until: dict[int, int] = {}  # customer -> last SMS time + thread gap (no thread merges)
        self._seq = 0

    def _push(self, t: int, thread: Thread, message_id: str) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (t, self._seq, thread, message_id))

    def spawn_thread(
        self, channel: str, t: int, customer: int, journey: str | None, rng: np.random.Generator
    ) -> None:
        """Open a new thread with an inbound message at t (also used for implicit switches)."""
        ctx = self.ctx
        if channel == "email":
            key = MAILBOXES[int(rng.choice(2, p=MAILBOX_P))]
        elif channel == "sms":
            key = BUSINESS_NUMBER
        else:
            key = PLATFORMS[int(rng.choice(2, p=PLATFORM_P))]
        thread = Thread(channel, key, customer)
        if channel == "email":
            thread.subject = _SUBJECTS[int(rng.integers(0, len(_SUBJECTS)))]
            if rng.random() < TICKETED:
                thread.ticket = f"T-{ctx.sink.next_id('ticket'):07d}"
        if channel == "social" and key == "twitter" and rng.random() < 0.7:
            thread.conversation = f"dm-{ctx.sink.next_id('conversation'):08d}"
        self._inbound(thread, t, journey)

    def run_day(self, day: int, rng: np.random.Generator) -> None:
        ctx = self.ctx
        day_start = ctx.t0 + day * 86400
        for channel in ("email", "sms", "social"):
            times = arrivals.arrival_times(rng, day_start, ctx.weekday(day), ctx.volume(channel), channel)
            customers = ctx.population.sample(rng, times.size)
            for t, c in zip(times.tolist(), customers.tolist(), strict=True):
                if channel == "sms":
                    c = self._sms_customer(c, t, rng)
                c = ctx.claim(rng, c, channel, t)
                self.spawn_thread(channel, t, c, None, rng)
        self.pool.set_day(day)
        day_end = day_start + 86400
        while self.heap and self.heap[0][0] < day_end:
            t, _, thread, message_id = heapq.heappop(self.heap)
            self._work(thread, message_id, t, day, rng)

    def _sms_customer(self, c: int, t: int, rng: np.random.Generator) -> int:
        for _ in range(5):
            if self.sms_busy_until.get(c, -1) < t:
                return c
            c = int(self.ctx.population.sample(rng, 1)[0])
        return c

    def _message(self, thread: Thread, t: int, inbound: bool, agent: int) -> str:
        """Land one message of a thread and its truth row; returns its id."""
        ctx = self.ctx
        sink = ctx.sink
        pop = ctx.population
        c = thread.customer
        agent_id = sink.agent_ids[agent] if agent >= 0 else None
        direction = "inbound" if inbound else "outbound"
        texts = _TEXT_IN if inbound else _TEXT_OUT
        text = texts[(len(thread.chain) + c) % len(texts)]
        parent = thread.chain[-1] if thread.chain else None
        if thread.channel == "email":
            mid = f"m{sink.next_id('email'):09d}@mail.acme.example"
            refs = list(thread.chain[-8:])
            subject = thread.subject if not thread.chain else f"Re: {thread.subject}"
            sink.land(
                "email",
                (
                    mid,
                    parent,
                    refs,
                    thread.ticket,
                    thread.key,
                    direction,
                    pop.email[c],
                    agent_id,
                    t,
                    subject,
                    text,
                ),
                int(pop.zone[c]) if inbound else timefmt.CET,
            )
        elif thread.channel == "sms":
            mid = f"SM{sink.next_id('sms'):010d}"
            sink.land("sms", (mid, pop.phone[c], thread.key, direction, agent_id, t, text), timefmt.EST)
            self.sms_busy_until[c] = t + int(ctx.gap("sms", "thread_gap_minutes") * 60) + 1
        else:
            n = sink.next_id("post")
            mid = str(1_800_000_000_000 + n) if thread.key == "twitter" else f"fb_{n:012d}"
            reply_to = None if thread.conversation else parent
            sink.land(
                "social",
                (mid, thread.key, thread.conversation, reply_to, pop.handle[c], direction, agent_id, t, text),
                timefmt.UTC0,
            )
        if not thread.chain:
            if thread.channel == "email":
                root = thread.ticket or mid
            elif thread.channel == "social":
                root = thread.conversation or mid
            else:
                root = mid
            thread.thread_id = f"{thread.channel}:{root}"
            thread.journey = thread.journey or thread.thread_id
        thread.chain.append(mid)
        sink.event(
            thread.channel,
            mid,
            thread.thread_id,
            thread.journey,
            pop.customer_id[c],
            thread.key,
            t,
            t,
            True,
            direction,
        )
        return mid

    def _inbound(self, thread: Thread, t: int, journey: str | None = None) -> None:
        if journey and not thread.chain:
            thread.journey = journey
        thread.turn += 1
        mid = self._message(thread, t, True, -1)
        self._push(t, thread, mid)

    def _work(self, thread: Thread, inbound_id: str, ready: int, day: int, rng: np.random.Generator) -> None:
        ctx = self.ctx
        read_med, compose_med, follow, delay_med, sigma, cap = _TIMING[thread.channel]
        read = int(np.clip(rng.lognormal(np.log(read_med), 0.6), 10, 3600))
        reply = thread.turn == 1 or rng.random() >= CLOSE_WITHOUT_REPLY
        compose = int(np.clip(rng.lognormal(np.log(compose_med), 0.6), 15, 5400)) if reply else 0
        server, start = self.pool.earliest(ready, read + compose)
        if server < 0:  # nobody can take it in the planning horizon: look again tomorrow
            self._push(ctx.t0 + (day + 1) * 86400, thread, inbound_id)
            return
        agent = self.pool.agent_of(server)
        self.pool.commit(server, start + read + compose)
        sink = ctx.sink
        sink.segment(
            agent,
            thread.channel,
            inbound_id,
            "read",
            start,
            start + read,
            thread.thread_id,
            inbound_id,
            timefmt.Z,
        )
        if not reply:
            return
        sent = start + read + compose
        out_id = self._message(thread, sent, False, agent)
        sink.segment(
            agent, thread.channel, out_id, "compose", start + read, sent, thread.thread_id, out_id, timefmt.Z
        )
        u = rng.random()
        p_switch = SWITCH_TO_VOICE[thread.channel]
        pop = ctx.population
        c = thread.customer
        if u < p_switch:
            t = sent + int(rng.integers(300, 4 * 3600))
            ctx.voice.spawn(t, c, f"{thread.channel}:{out_id}", thread.journey, "voice_support")
        elif u < p_switch + IMPLICIT_VOICE and thread.channel == "email":
            if pop.known[c] and pop.has_email[c] and pop.has_phone[c]:
                t = sent + int(rng.integers(300, 4 * 3600))
                ctx.voice.spawn(t, c, None, thread.journey, "voice_support")
        elif rng.random() < follow[min(thread.turn, len(follow)) - 1]:
            delay = int(np.clip(rng.lognormal(np.log(delay_med), sigma), 20, cap))
            self._inbound(thread, sent + delay)
