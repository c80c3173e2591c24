"""Voice: calls queue for an agent, abandon after their patience, are talked, held, wrapped and transferred.

Each call leg is one CDR row. A leg waits until an agent can take the whole call (talk + hold + wrap) inside a
productive window; if that is later than the caller's patience, the leg is abandoned (``answered_at`` empty,
``ended_at`` = when the caller hung up). An answered leg produces ``talk``, ``hold``, ``talk`` and ``wrap``
segments (attributed to the ``call_id``); ``ended_at`` is the end of talk, wrap follows it. Some answered legs
are transferred: the leg ends and a new leg (``transferred_from_call_id``) queues for another agent. Calls
also arrive from other channels (``origin_ref``: ``chat:<chat_id>``, ``email:<message_id>``, ``sms:<sms_id>``)
or from customers who wrote before (implicit switch, no ``origin_ref``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from simulator import arrivals, timefmt
from simulator.agents import Pool

QUEUES = ("voice_support", "voice_sales")
QUEUE_P = (0.7, 0.3)
TRANSFER = 0.07
HOLD = 0.3
KNOWN_PHONE = 0.8
PATIENCE_MEAN = 180.0


@dataclass
class Call:
    call_id: str
    phone: str
    queue: str
    customer: int
    thread: str
    journey: str
    patience: int
    talk: int
    hold: int
    wrap: int
    transfer: bool
    from_call: str | None = None
    origin_ref: str | None = None
    exclude: int = -1


class VoiceEngine:
    def __init__(self, ctx, pool: Pool) -> None:
        self.ctx = ctx
        self.pool = pool
        self.heap: list[tuple[int, int, Call]] = []
        self.pending: list[tuple[int, int, str | None, str, str]] = []  # spawned calls, not yet drawn
        self._seq = 0

    def _push(self, t: int, call: Call) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (t, self._seq, call))

    def spawn(self, t: int, customer: int, origin_ref: str | None, journey: str, queue: str) -> None:
        """A call from another channel's interaction (explicit with origin_ref, or implicit)."""
        self.pending.append((t, customer, origin_ref, journey, queue))

    def _new_call(
        self,
        customer: int,
        phone: str,
        queue: str,
        journey: str | None,
        rng: np.random.Generator,
        origin_ref: str | None = None,
    ) -> Call:
        call_id = f"CA{self.ctx.sink.next_id('call'):010d}"
        thread = f"voice:{call_id}"
        return Call(
            call_id,
            phone,
            queue,
            customer,
            thread,
            journey or thread,
            int(20 + rng.exponential(PATIENCE_MEAN)),
            int(np.clip(rng.lognormal(np.log(240), 0.6), 20, 3600)),
            int(rng.exponential(60)) if rng.random() < HOLD else 0,
            int(np.clip(rng.lognormal(np.log(40), 0.5), 5, 600)),
            bool(rng.random() < TRANSFER),
            origin_ref=origin_ref,
        )

    def run_day(self, day: int, rng: np.random.Generator) -> None:
        ctx = self.ctx
        day_start = ctx.t0 + day * 86400
        day_end = day_start + 86400
        times = arrivals.arrival_times(rng, day_start, ctx.weekday(day), ctx.volume("voice"), "voice")
        customers = ctx.population.sample(rng, times.size)
        known = rng.random(times.size) < KNOWN_PHONE
        queues = rng.choice(len(QUEUES), size=times.size, p=QUEUE_P)
        for i in range(times.size):
            cust = ctx.claim(rng, int(customers[i]), "voice", int(times[i]))
            phone = (
                ctx.population.phone[cust]
                if known[i]
                else f"+1555{9000000 + int(rng.integers(0, 999999)):07d}"
            )
            self._push(int(times[i]), self._new_call(cust, phone, QUEUES[queues[i]], None, rng))
        pending, self.pending = self.pending, []
        for t, cust, origin_ref, journey, queue in sorted(pending, key=lambda p: p[0]):
            if t >= day_end:
                self.pending.append((t, cust, origin_ref, journey, queue))
                continue
            ctx.mark(cust, "voice", t)
            self._push(t, self._new_call(cust, ctx.population.phone[cust], queue, journey, rng, origin_ref))
        self.pool.set_day(day)
        while self.heap and self.heap[0][0] < day_end:
            t, _, call = heapq.heappop(self.heap)
            self._serve(call, t, rng)

    def _serve(self, call: Call, offered: int, rng: np.random.Generator) -> None:
        ctx = self.ctx
        talk = call.talk if not call.transfer else max(20, call.talk // 3)
        hold = call.hold if not call.transfer else 0
        wrap = call.wrap if not call.transfer else 10
        server, start = self.pool.earliest(offered, talk + hold + wrap, exclude_agent=call.exclude)
        customer_id = ctx.population.customer_id[call.customer]
        if server < 0 or start - offered > call.patience:
            ended = offered + call.patience
            self._cdr(call, offered, None, ended, -1, None, None)
            ctx.sink.event(
                "voice",
                call.call_id,
                call.thread,
                call.journey,
                customer_id,
                call.queue,
                offered,
                ended,
                True,
                "abandoned",
            )
            return
        agent = self.pool.agent_of(server)
        ended = start + talk + hold
        self.pool.commit(server, ended + wrap)
        self._cdr(call, offered, start, ended, agent, hold, wrap)
        ctx.sink.event(
            "voice",
            call.call_id,
            call.thread,
            call.journey,
            customer_id,
            call.queue,
            offered,
            ended,
            True,
            "answered",
        )
        first = talk // 2 if hold else talk
        sink = ctx.sink
        sink.segment(
            agent, "voice", call.call_id, "talk", start, start + first, call.thread, call.call_id, timefmt.Z
        )
        if hold:
            sink.segment(
                agent,
                "voice",
                call.call_id,
                "hold",
                start + first,
                start + first + hold,
                call.thread,
                call.call_id,
                timefmt.Z,
            )
            sink.segment(
                agent,
                "voice",
                call.call_id,
                "talk",
                start + first + hold,
                ended,
                call.thread,
                call.call_id,
                timefmt.Z,
            )
        sink.segment(
            agent, "voice", call.call_id, "wrap", ended, ended + wrap, call.thread, call.call_id, timefmt.Z
        )
        if call.transfer:
            leg = self._new_call(
                call.customer,
                call.phone,
                QUEUES[1] if call.queue == QUEUES[0] else QUEUES[0],
                call.journey,
                rng,
            )
            leg.thread = call.thread
            leg.transfer = False
            leg.from_call = call.call_id
            leg.patience *= 3
            leg.exclude = agent
            self._push(ended, leg)

    def _cdr(
        self,
        call: Call,
        offered: int,
        answered: int | None,
        ended: int,
        agent: int,
        hold: int | None,
        wrap: int | None,
    ) -> None:
        sink = self.ctx.sink
        sink.land(
            "voice",
            (
                call.call_id,
                call.phone,
                call.queue,
                offered,
                timefmt.MISSING if answered is None else answered,
                ended,
                sink.agent_ids[agent] if agent >= 0 else None,
                hold,
                wrap,
                call.from_call,
                call.origin_ref,
            ),
            timefmt.CEST,
        )
