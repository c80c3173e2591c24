"""Chat: bots answer first, then agents who hold up to ``max_concurrency`` chats at once.

A chat opens with a customer message; a bot greets and runs one or two question/answer rounds. A quarter of
chats end with the bot. The others queue for an agent (the customer gives up after an exponential patience,
and the chat ends with a system event). An agent joins, customer and agent exchange messages, and the agent
leaves when the chat ends — or transfers it (``transfer`` + ``agent_leave``) and the chat queues again for
another agent. The agent's work on a chat is one run of ``read``/``compose`` segments (attributed to the
``chat_id``) from join to leave, so the segments of an agent's simultaneous chats overlap in time, never more
than ``max_concurrency`` of them (the pool gives each chat agent that many slots).

After the end, some customers switch channel: a call with ``origin_ref = chat:<chat_id>`` (explicit), or a new
email from the same customer within the hour (implicit, found only through the customer directory).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from simulator import arrivals, timefmt
from simulator.agents import Pool

QUEUES = ("chat_support", "chat_sales")
QUEUE_P = (0.65, 0.35)
BOT_RESOLVES = 0.25
TRANSFER = 0.08
SWITCH_TO_VOICE = 0.04
SWITCH_TO_EMAIL = 0.02
PATIENCE_MEAN = 240.0

_CUSTOMER = (
    "Hi, I need help with my order",
    "It still does not work",
    "Can you check my account?",
    "ok thanks",
    "What are the options?",
    "I was charged twice",
    "Yes, that's right",
)
_AGENT = (
    "Hello! I'm looking into it now.",
    "Could you confirm your order number?",
    "I have updated it for you.",
    "Is there anything else I can help with?",
    "One moment please.",
    "I can see the issue.",
)
_BOT = (
    "Hi! I'm the virtual assistant. How can I help?",
    "Have you tried our help center article?",
    "Let me connect you with an agent.",
)


@dataclass
class Chat:
    chat_id: str
    queue: str
    visitor: str
    customer: int
    journey: str
    patience: int
    duration: int  # total agent engagement
    transfers: bool
    agent: int = -1
    customer_id: str = ""
    thread: str = ""

    def __post_init__(self) -> None:
        self.thread = f"chat:{self.chat_id}"


class ChatEngine:
    def __init__(self, ctx, pool: Pool) -> None:  # ctx: simulator.engine.Context
        self.ctx = ctx
        self.pool = pool
        self.heap: list[tuple[int, int, str, Chat]] = []
        self._seq = 0

    def _push(self, t: int, kind: str, chat: Chat) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (t, self._seq, kind, chat))

    def run_day(self, day: int, rng: np.random.Generator) -> None:
        ctx = self.ctx
        day_start = ctx.t0 + day * 86400
        times = arrivals.arrival_times(rng, day_start, ctx.weekday(day), ctx.volume("chat"), "chat")
        n = times.size
        customers = ctx.population.sample(rng, n)
        known_visitor = rng.random(n) < 0.7
        queues = rng.choice(len(QUEUES), size=n, p=QUEUE_P)
        patience = (30 + rng.exponential(PATIENCE_MEAN, n)).astype(np.int64)
        duration = np.clip(rng.lognormal(np.log(540), 0.5, n), 120, 3600).astype(np.int64)
        transfers = rng.random(n) < TRANSFER
        bot_rounds = rng.integers(0, 3, n)
        resolved = rng.random(n) < BOT_RESOLVES
        for i in range(n):
            chat_id = f"CH{ctx.sink.next_id('chat'):09d}"
            cust = ctx.claim(rng, int(customers[i]), "chat", int(times[i]))
            visitor = ctx.population.visitor[cust] if known_visitor[i] else f"anon-{chat_id[2:]}"
            chat = Chat(
                chat_id,
                QUEUES[queues[i]],
                visitor,
                cust,
                f"chat:{chat_id}",
                int(patience[i]),
                int(duration[i]),
                bool(transfers[i]),
                customer_id=ctx.population.customer_id[cust],
            )
            self._open(chat, int(times[i]), int(bot_rounds[i]), bool(resolved[i]), rng)
        self.pool.set_day(day)
        day_end = day_start + 86400
        while self.heap and self.heap[0][0] < day_end:
            t, _, kind, chat = heapq.heappop(self.heap)
            self._serve(chat, t, kind, rng)

    def _event(
        self,
        chat: Chat,
        t: int,
        event_type: str,
        sender: str,
        agent: int = -1,
        text: str | None = None,
    ) -> None:
        ctx = self.ctx
        event_id = f"E{ctx.sink.next_id('chat_event'):010d}"
        agent_id = ctx.sink.agent_ids[agent] if agent >= 0 else None
        ctx.sink.land(
            "chat",
            (event_id, chat.chat_id, chat.queue, event_type, sender, agent_id, chat.visitor, t, text),
            timefmt.Z,
        )
        is_message = event_type == "message" and sender in ("customer", "agent")
        ctx.sink.event(
            "chat",
            event_id,
            chat.thread,
            chat.journey,
            chat.customer_id,
            chat.queue,
            t,
            t,
            is_message,
            sender,
        )

    def _open(self, chat: Chat, t: int, rounds: int, resolved: bool, rng: np.random.Generator) -> None:
        self._event(chat, t, "message", "customer", text=_CUSTOMER[0])
        t += int(rng.integers(2, 6))
        self._event(chat, t, "message", "bot", text=_BOT[0])
        for _ in range(rounds):
            t += int(rng.integers(15, 60))
            self._event(chat, t, "message", "customer", text=_CUSTOMER[int(rng.integers(1, len(_CUSTOMER)))])
            t += int(rng.integers(2, 6))
            self._event(chat, t, "message", "bot", text=_BOT[1])
        if resolved:
            t += int(rng.integers(10, 60))
            self._event(chat, t, "end", "system")
            return
        t += int(rng.integers(5, 20))
        self._event(chat, t, "message", "bot", text=_BOT[2])
        self._push(t, "queue", chat)

    def _serve(self, chat: Chat, ready: int, kind: str, rng: np.random.Generator) -> None:
        if kind == "queue" and chat.transfers:
            engaged = max(60, int(chat.duration * rng.uniform(0.2, 0.5)))
        else:
            engaged = chat.duration
        patience = chat.patience * (3 if kind == "requeue" else 1)
        server, start = self.pool.earliest(ready, engaged, exclude_agent=chat.agent)
        if server < 0 or start - ready > patience:
            self._event(chat, ready + patience, "end", "system", text="visitor left")
            return
        agent = self.pool.agent_of(server)
        end = start + engaged
        self.pool.commit(server, end)
        chat.agent = agent
        self._engage(chat, agent, start, end, rng)
        if kind == "queue" and chat.transfers:
            self._event(chat, end, "transfer", "system", agent, text="transferred")
            self._event(chat, end, "agent_leave", "system", agent)
            chat.duration = int(np.clip(rng.lognormal(np.log(300), 0.5), 60, 2400))
            self._push(end, "requeue", chat)
            return
        self._event(chat, end, "agent_leave", "system", agent)
        self._event(chat, end, "end", "system")
        self._switch(chat, end, rng)

    def _engage(self, chat: Chat, agent: int, start: int, end: int, rng: np.random.Generator) -> None:
        """Join, an exchange of messages, and the agent's work segments covering [start, end]."""
        self._event(chat, start, "agent_join", "system", agent)
        span = end - start
        k = 2 + int(rng.poisson(span / 80))
        times = np.unique(start + 3 + np.sort(rng.integers(0, max(1, span - 6), k)))
        sink = self.ctx.sink
        bounds = [start]
        kinds = []
        for j, t in enumerate(times.tolist()):
            sender = "agent" if j % 2 == 0 else "customer"
            pool = _AGENT if sender == "agent" else _CUSTOMER
            self._event(
                chat,
                t,
                "message",
                sender,
                agent if sender == "agent" else -1,
                pool[int(rng.integers(0, len(pool)))],
            )
            bounds.append(t)
            kinds.append("compose" if sender == "agent" else "read")
        bounds.append(end)
        kinds.append("other")
        # merge consecutive intervals of the same activity
        seg_start = bounds[0]
        for j, activity in enumerate(kinds):
            if j + 1 < len(kinds) and kinds[j + 1] == activity:
                continue
            sink.segment(
                agent, "chat", chat.chat_id, activity, seg_start, bounds[j + 1], chat.thread, None, timefmt.Z
            )
            seg_start = bounds[j + 1]

    def _switch(self, chat: Chat, end: int, rng: np.random.Generator) -> None:
        u = rng.random()
        pop = self.ctx.population
        if u < SWITCH_TO_VOICE:
            t = end + int(rng.integers(60, 900))
            self.ctx.voice.spawn(t, chat.customer, f"chat:{chat.chat_id}", chat.journey, "voice_support")
        elif u < SWITCH_TO_VOICE + SWITCH_TO_EMAIL:
            c = chat.customer
            resolvable = (
                pop.known[c] and pop.has_email[c] and chat.visitor == pop.visitor[c] and pop.has_visitor[c]
            )
            if resolvable:
                t = end + int(rng.integers(300, 3300))  # inside the 60-minute switch window
                self.ctx.mark(c, "email", t)
                self.ctx.messaging.spawn_thread("email", t, c, chat.journey, rng)
