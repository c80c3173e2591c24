"""Known defects injected into a landing zone (``--faults``), and the manifest that lists each one.

Types (rates are per row of the sources they apply to, with at least one per type, source and day where the
file has 20 rows or more):

- ``broken_json``: a JSONL line cut in the middle.
- ``bad_timestamp``: a timestamp field replaced by text that is not ISO 8601 (or an impossible date).
- ``missing_required``: a required field removed (JSONL: key absent or null; CSV: empty cell).
- ``unknown_queue``: a queue key not in the ``queues`` seed (mailbox, chat/voice queue, business number,
  platform).
- ``segment_end_before_start``: a work segment whose ``started_at`` and ``ended_at`` are swapped.
- ``orphan_segment``: an extra work segment attributed to an item id that does not exist.
- ``over_concurrency``: extra chat work segments that put one agent above ``max_concurrency`` at an instant.
- ``late_row``: rows moved out of their day into a ``<source>-YYYYMMDD-late.<ext>`` file one or two ``dt=``
  folders later.
- ``duplicate_row``: rows of the previous day's file delivered again at the end of today's file.
- ``duplicate_file``: a whole file (same name, same bytes) delivered again in the next ``dt=`` folder.

Manifest: ``<out>.faults.json`` = ``{"rates": {...}, "counts": {...}, "faults": [{"type", "source", "file",
"line", "id", "field", "detail"}]}``; ``file`` is relative to the landing root, ``line`` 1-based physical line
(CSV header = line 1; null for ``duplicate_file``), ``id`` the row's id (agent_states:
``agent_id@started_at``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from orchestration.landing import SOURCES
from simulator import writer

RATES = {
    "broken_json": 0.001,
    "bad_timestamp": 0.001,
    "missing_required": 0.001,
    "unknown_queue": 0.002,
    "segment_end_before_start": 0.001,
    "orphan_segment": 0.0005,
    "over_concurrency": 0.0002,
    "late_row": 0.003,
    "duplicate_row": 0.001,
    "duplicate_file": 1 / 7,  # files per day
}
QUEUE_FIELD = {
    "email": "mailbox",
    "chat": "queue",
    "sms": "business_number",
    "social": "platform",
    "voice": "queue",
}
UNKNOWN_QUEUE = {
    "email": "sales-eu",
    "chat": "chat_vip",
    "sms": "+15550199",
    "social": "instagram",
    "voice": "voice_collections",
}
BAD_TIMESTAMPS = (
    "2026-02-30T10:00:00Z",
    "yesterday 10:00",
    "05/01/2026 10:00",
    "2026-01-05T25:61:00+02:00",
    "not a timestamp",
)
ORPHAN_ITEM = {
    "email": "mX00000000@mail.acme.example",
    "chat": "CHX0000000",
    "sms": "SMX000000000",
    "social": "fb_X00000000000",
    "voice": "CAX00000000",
}
SEG_FIELDS = SOURCES["agent_activity"].fields
EVENT_SOURCES = ("email", "chat", "sms", "social", "voice", "agent_activity")
MIN_ROWS = 20


def row_id(source: str, record: list) -> str:
    spec = SOURCES[source]
    if spec.id_field is None:
        return f"{record[spec.fields.index('agent_id')]}@{record[spec.fields.index('started_at')]}"
    return str(record[spec.fields.index(spec.id_field)])


def _first_line(source: str) -> int:
    return 2 if SOURCES[source].format == "csv" else 1


class FaultInjector:
    def __init__(self, rng: np.random.Generator, days: int) -> None:
        self.rng = rng
        self.days = days
        self.entries: list[dict] = []
        self._late: dict[int, list[tuple[str, str, list]]] = defaultdict(
            list
        )  # day -> (source, orig dt, records)
        self._extra: dict[int, list[tuple[str, list[str]]]] = defaultdict(list)
        self._broken: list[int] = []
        self._prev: dict[str, tuple[str, list[str], set[int]]] = {}  # source -> (rel, lines, defective lines)
        self._defective: set[int] = set()
        self._extra_ids = 0

    def _count(self, kind: str, n: int) -> int:
        if n < MIN_ROWS:
            return 0
        return max(1, int(self.rng.binomial(n, RATES[kind])))

    def _add(
        self,
        kind: str,
        source: str,
        rel: str,
        line: int | None,
        rid: str | None,
        field: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.entries.append(
            {
                "type": kind,
                "source": source,
                "file": rel,
                "line": line,
                "id": rid,
                "field": field,
                "detail": detail,
            }
        )

    def mutate(self, source: str, day: int, dt: str, name: str, records: list) -> list:
        """Defects inside one file's records (before serialization)."""
        spec = SOURCES[source]
        rel = writer.rel_path(source, dt, name)
        records = list(records)
        self._broken = []
        self._defective = set()
        if source == "customers" or not records:
            return records
        rng = self.rng
        # late rows leave the file first (this changes the line numbers of the rest)
        n_late = self._count("late_row", len(records)) if day + 1 < self.days else 0
        if n_late:
            pick = set(rng.choice(len(records), size=n_late, replace=False).tolist())
            target = day + 1 + int(rng.integers(0, 2)) if day + 2 < self.days else day + 1
            self._late[target].append((source, dt, [r for i, r in enumerate(records) if i in pick]))
            records = [r for i, r in enumerate(records) if i not in pick]
        n = len(records)
        kinds = ["bad_timestamp", "missing_required"]
        if source in QUEUE_FIELD:
            kinds.append("unknown_queue")
        if source == "agent_activity":
            kinds.append("segment_end_before_start")
        if spec.format == "jsonl":
            kinds.append("broken_json")
        counts = [self._count(k, n) for k in kinds]
        if sum(counts) and sum(counts) <= n:
            chosen = rng.choice(n, size=sum(counts), replace=False).tolist()
            offset = 0
            for kind, k in zip(kinds, counts, strict=True):
                for i in sorted(chosen[offset : offset + k]):
                    self._mutate_row(kind, source, rel, records, i)
                offset += k
        if source == "agent_activity":
            records.extend(self._extra_segments(rel, records, n))
        return records

    def _mutate_row(self, kind: str, source: str, rel: str, records: list, i: int) -> None:
        spec = SOURCES[source]
        rec = records[i]
        line = i + _first_line(source)
        rid = row_id(source, rec)
        is_json = spec.format == "jsonl"

        def put(field: str, value) -> None:
            rec[spec.fields.index(field)] = value

        def get(field: str):
            return rec[spec.fields.index(field)]

        self._defective.add(line)
        if kind == "bad_timestamp":
            field = spec.timestamps[int(self.rng.integers(0, len(spec.timestamps)))]
            if get(field) is None:
                field = spec.timestamps[0]
            put(field, BAD_TIMESTAMPS[int(self.rng.integers(0, len(BAD_TIMESTAMPS)))])
            self._add(kind, source, rel, line, rid, field)
        elif kind == "missing_required":
            field = spec.required[int(self.rng.integers(0, len(spec.required)))]
            if is_json and self.rng.random() < 0.5:
                put(field, writer.ABSENT)
            else:
                put(field, None)
            self._add(kind, source, rel, line, rid, field)
        elif kind == "unknown_queue":
            field = QUEUE_FIELD[source]
            put(field, UNKNOWN_QUEUE[source])
            self._add(kind, source, rel, line, rid, field)
        elif kind == "segment_end_before_start":
            start, end = get("started_at"), get("ended_at")
            put("started_at", end)
            put("ended_at", start)
            self._add(kind, source, rel, line, rid, "ended_at")
        elif kind == "broken_json":
            self._broken.append(i)
            self._add(kind, source, rel, line, rid)

    def _new_segment_id(self) -> str:
        self._extra_ids += 1
        return f"SX{self._extra_ids:010d}"

    def _extra_segments(self, rel: str, records: list, n: int) -> list:
        """Orphan segments and concurrency overloads, appended at the end of the agent_activity file."""
        rng = self.rng
        extra = []
        clean = [i for i in range(n) if i + 1 not in self._defective]
        seg_id, channel, item = (SEG_FIELDS.index(f) for f in ("segment_id", "channel", "item_id"))
        activity, agent = SEG_FIELDS.index("activity"), SEG_FIELDS.index("agent_id")
        start, end = SEG_FIELDS.index("started_at"), SEG_FIELDS.index("ended_at")
        for _ in range(self._count("orphan_segment", n)):
            rec = list(records[clean[int(rng.integers(0, len(clean)))]])
            rec[seg_id] = self._new_segment_id()
            rec[item] = ORPHAN_ITEM[rec[channel]]
            extra.append(rec)
            self._defective.add(n + len(extra))
            self._add(
                "orphan_segment",
                "agent_activity",
                rel,
                n + len(extra),
                rec[seg_id],
                "item_id",
                f"item {rec[item]} does not exist",
            )
        chats = [i for i in clean if records[i][channel] == "chat"]
        chat_ids = sorted({records[i][item] for i in chats})
        for _ in range(self._count("over_concurrency", n) if len(chat_ids) > 4 else 0):
            base = records[chats[int(rng.integers(0, len(chats)))]]
            others = [c for c in chat_ids if c != base[item]]
            picks = rng.choice(len(others), size=3, replace=False)
            for j in sorted(picks.tolist()):
                rec = list(base)
                rec[seg_id] = self._new_segment_id()
                rec[item] = others[j]
                rec[activity] = "read"
                extra.append(rec)
                self._defective.add(n + len(extra))
                self._add(
                    "over_concurrency",
                    "agent_activity",
                    rel,
                    n + len(extra),
                    rec[seg_id],
                    "agent_id",
                    f"{rec[agent]} holds 4+ chats during {rec[start]}..{rec[end]}",
                )
        return extra

    def finish_file(self, source: str, day: int, dt: str, name: str, lines: list[str]) -> list[str]:
        """Defects on the serialized lines: broken JSON, re-delivered rows, re-delivered file."""
        rel = writer.rel_path(source, dt, name)
        first = _first_line(source)
        for i in self._broken:
            line = lines[i + first - 1]
            lines[i + first - 1] = line[: max(1, len(line) // 2)]
        prev = self._prev.get(source)
        if prev is not None and source != "customers":
            prev_rel, prev_lines, prev_bad = prev
            candidates = [k for k in range(first, len(prev_lines) + 1) if k not in prev_bad]
            for _ in range(self._count("duplicate_row", len(candidates))):
                k = candidates[int(self.rng.integers(0, len(candidates)))]
                lines.append(prev_lines[k - 1])
                self._add("duplicate_row", source, rel, len(lines), None, None, f"{prev_rel}:{k}")
        self._prev[source] = (rel, list(lines), set(self._defective))
        if day % 7 == 0 and day + 1 < self.days and source == EVENT_SOURCES[(day // 7) % len(EVENT_SOURCES)]:
            next_dt = str(np.datetime64(dt) + np.timedelta64(1, "D"))
            dup_rel = writer.rel_path(source, next_dt, name)
            self._extra[day + 1].append((dup_rel, list(lines)))
            self._add("duplicate_file", source, dup_rel, None, None, None, rel)
        return lines

    def extra_files(self, day: int, dt: str) -> list[tuple[str, list[str]]]:
        """Files to write into today's dt= folder besides the day's own: late rows and re-delivered files."""
        files = list(self._extra.pop(day, []))
        for source, orig_dt, records in self._late.pop(day, []):
            name = f"{source}-{orig_dt.replace('-', '')}-late.{SOURCES[source].extension}"
            rel = writer.rel_path(source, dt, name)
            lines = writer.serialize(source, records)
            first = _first_line(source)
            for i, rec in enumerate(records):
                self._add("late_row", source, rel, i + first, row_id(source, rec), None, f"from dt={orig_dt}")
            files.append((rel, lines))
        return files

    def write_manifest(self, path: Path, out: Path) -> int:
        counts: dict[str, int] = defaultdict(int)
        for e in self.entries:
            counts[e["type"]] += 1
        doc = {
            "rates": RATES,
            "counts": dict(sorted(counts.items())),
            "faults": self.entries,
        }
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        return len(self.entries)
