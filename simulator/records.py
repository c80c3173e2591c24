"""Where simulated rows go before they are written: per-day buffers of landing rows and truth rows.

Rows are filed under the UTC day of their primary timestamp (``sent_at``, ``occurred_at``, ``created_at``,
``offered_at``, ``started_at``), which is the ``dt=`` folder they are exported in. A day's buffer is complete
once every channel has been simulated up to the end of that day (work is never planned before its ready time),
so the engine writes it and drops it: memory holds only a few days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from orchestration.landing import SOURCES

DAY = 86400

# Truth rows: one per landed message/event/call leg.
EVENT_COLUMNS = (
    "channel",
    "source_id",
    "thread_id",
    "journey_id",
    "customer_id",
    "queue_id",
    "started_at",
    "ended_at",
    "is_message",
    "role",
)
# One per work segment (truth side of agent_activity).
SEGMENT_COLUMNS = (
    "segment_id",
    "agent_id",
    "channel",
    "item_id",
    "thread_id",
    "message_id",
    "activity",
    "started_at",
    "ended_at",
)


@dataclass
class DayBuffer:
    landing: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    events: list[tuple] = field(default_factory=list)
    segments: list[tuple] = field(default_factory=list)


class Sink:
    """Collects rows by day and hands out ids (sequential counters, so ids are deterministic)."""

    def __init__(self, t0: int, days: int, agent_ids: tuple[str, ...], queue_ids: dict[tuple[str, str], str]):
        self.t0 = t0
        self.days = days
        self.agent_ids = agent_ids
        self.queue_ids = queue_ids
        self.buffers: dict[int, DayBuffer] = defaultdict(DayBuffer)
        self._counters: dict[str, int] = defaultdict(int)
        self._seq = 0
        self.index = {
            name: src.fields.index(src.timestamps[0]) if src.timestamps else -1
            for name, src in SOURCES.items()
        }

    def next_id(self, kind: str) -> int:
        self._counters[kind] += 1
        return self._counters[kind]

    def day_of(self, t: int) -> int:
        return (t - self.t0) // DAY

    def _buffer(self, t: int) -> DayBuffer | None:
        day = self.day_of(t)
        if day < 0 or day >= self.days:
            return None  # outside the exported period
        return self.buffers[day]

    def land(self, source: str, values: tuple, zone: int) -> bool:
        """File a landing row (field values in contract order, timestamps as epoch seconds)."""
        t = values[self.index[source]]
        day = (t - self.t0) // DAY
        if day < 0 or day >= self.days:
            return False  # outside the exported period
        self._seq += 1
        self.buffers[day].landing[source].append((t, self._seq, values, zone))
        return True

    def event(
        self,
        channel: str,
        source_id: str,
        thread_id: str,
        journey_id: str,
        customer_id: str,
        queue_key: str,
        started_at: int,
        ended_at: int,
        is_message: bool,
        role: str,
    ) -> None:
        buf = self._buffer(started_at)
        if buf is None:
            return
        queue_id = self.queue_ids.get((channel, queue_key))
        if queue_id is None:
            queue_id = f"{channel}:{queue_key}"
        buf.events.append(
            (
                channel,
                source_id,
                thread_id,
                journey_id,
                customer_id,
                queue_id,
                started_at,
                ended_at,
                is_message,
                role,
            )
        )

    def segment(
        self,
        agent: int,
        channel: str,
        item_id: str,
        activity: str,
        start: int,
        end: int,
        thread_id: str,
        message_id: str | None,
        zone: int,
    ) -> None:
        if end <= start:
            return
        seg_id = f"S{self.next_id('segment'):011d}"
        agent_id = self.agent_ids[agent]
        if self.land("agent_activity", (seg_id, agent_id, channel, item_id, activity, start, end), zone):
            self.buffers[self.day_of(start)].segments.append(
                (seg_id, agent_id, channel, item_id, thread_id, message_id, activity, start, end)
            )

    def pop(self, day: int) -> DayBuffer:
        return self.buffers.pop(day, DayBuffer())
