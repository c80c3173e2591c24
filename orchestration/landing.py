"""The landing-zone contract of SPEC §2, in one place.

Every part of asyncwfm that reads or writes landing files (the simulator, ingestion, the quality suites)
takes field names, required fields, enumerations and formats from here.

Layout: ``<landing>/<source>/dt=YYYY-MM-DD/<any name>.<ext>``; ``dt`` is the UTC export day.
Raw tables (schema ``raw``, one per source, named like the source) hold every field below as text as
delivered (``references`` as ``VARCHAR[]``), plus the lineage columns of ``LINEAGE_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    name: str
    format: str  # "jsonl" or "csv"
    fields: tuple[str, ...]  # in file/column order
    required: tuple[str, ...]
    id_field: str | None  # unique per source (None: no single-column id)
    timestamps: tuple[str, ...] = ()  # ISO 8601 with offset or Z; naive = UTC
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: tuple[str, ...] = ()  # non-negative numbers when present
    arrays: tuple[str, ...] = ()  # JSON arrays of strings
    personal: tuple[str, ...] = ()  # hashed from staging on
    texts: tuple[str, ...] = ()  # never leave raw

    @property
    def extension(self) -> str:
        return self.format


DIRECTIONS = ("inbound", "outbound")
CHANNELS = ("email", "chat", "sms", "social", "voice")

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            name="email",
            format="jsonl",
            fields=(
                "message_id",
                "in_reply_to",
                "references",
                "ticket_id",
                "mailbox",
                "direction",
                "customer_address",
                "agent_id",
                "sent_at",
                "subject",
                "body",
            ),
            required=("message_id", "mailbox", "direction", "customer_address", "sent_at"),
            id_field="message_id",
            timestamps=("sent_at",),
            enums={"direction": DIRECTIONS},
            arrays=("references",),
            personal=("customer_address",),
            texts=("subject", "body"),
        ),
        Source(
            name="chat",
            format="jsonl",
            fields=(
                "event_id",
                "chat_id",
                "queue",
                "event_type",
                "sender",
                "agent_id",
                "visitor_id",
                "occurred_at",
                "text",
            ),
            required=("event_id", "chat_id", "queue", "event_type", "sender", "visitor_id", "occurred_at"),
            id_field="event_id",
            timestamps=("occurred_at",),
            enums={
                "event_type": ("message", "agent_join", "agent_leave", "transfer", "end"),
                "sender": ("customer", "agent", "bot", "system"),
            },
            personal=("visitor_id",),
            texts=("text",),
        ),
        Source(
            name="sms",
            format="csv",
            fields=(
                "sms_id",
                "customer_phone",
                "business_number",
                "direction",
                "agent_id",
                "sent_at",
                "body",
            ),
            required=("sms_id", "customer_phone", "business_number", "direction", "sent_at"),
            id_field="sms_id",
            timestamps=("sent_at",),
            enums={"direction": DIRECTIONS},
            personal=("customer_phone",),
            texts=("body",),
        ),
        Source(
            name="social",
            format="jsonl",
            fields=(
                "post_id",
                "platform",
                "conversation_id",
                "reply_to_post_id",
                "customer_handle",
                "direction",
                "agent_id",
                "created_at",
                "text",
            ),
            required=("post_id", "platform", "customer_handle", "direction", "created_at"),
            id_field="post_id",
            timestamps=("created_at",),
            enums={"direction": DIRECTIONS},
            personal=("customer_handle",),
            texts=("text",),
        ),
        Source(
            name="voice",
            format="csv",
            fields=(
                "call_id",
                "customer_phone",
                "queue",
                "offered_at",
                "answered_at",
                "ended_at",
                "agent_id",
                "hold_seconds",
                "wrap_seconds",
                "transferred_from_call_id",
                "origin_ref",
            ),
            required=("call_id", "customer_phone", "queue", "offered_at", "ended_at"),
            id_field="call_id",
            timestamps=("offered_at", "answered_at", "ended_at"),
            numbers=("hold_seconds", "wrap_seconds"),
            personal=("customer_phone",),
        ),
        Source(
            name="agent_activity",
            format="jsonl",
            fields=("segment_id", "agent_id", "channel", "item_id", "activity", "started_at", "ended_at"),
            required=("segment_id", "agent_id", "channel", "item_id", "activity", "started_at", "ended_at"),
            id_field="segment_id",
            timestamps=("started_at", "ended_at"),
            enums={
                "channel": CHANNELS,
                "activity": ("read", "compose", "talk", "hold", "wrap", "other"),
            },
        ),
        Source(
            name="agent_states",
            format="csv",
            fields=("agent_id", "state", "started_at", "ended_at"),
            required=("agent_id", "state", "started_at", "ended_at"),
            id_field=None,  # unique key is (agent_id, started_at)
            timestamps=("started_at", "ended_at"),
            enums={"state": ("available", "busy", "break", "lunch", "meeting", "training", "offline")},
        ),
        Source(
            name="customers",
            format="csv",
            fields=("customer_id", "email", "phone", "social_handle", "chat_visitor_id"),
            required=("customer_id",),
            id_field="customer_id",
            personal=("email", "phone", "social_handle", "chat_visitor_id"),
        ),
    )
}

# Columns every raw table carries besides the source fields.
LINEAGE_COLUMNS = {
    "_file": "VARCHAR",  # path relative to the landing root, e.g. email/dt=2026-01-05/part-0.jsonl
    "_line": "BIGINT",  # 1-based physical line number where the row starts (CSV header is line 1)
    "_ingested_at": "TIMESTAMP",  # UTC
    "_extra": "VARCHAR",  # JSON object of fields not in the contract (JSONL only), else NULL
}

# raw.quarantine: one row per record that could not be loaded.
QUARANTINE_COLUMNS = {
    "source": "VARCHAR",
    "_file": "VARCHAR",
    "_line": "BIGINT",
    "reason": "VARCHAR",  # e.g. "broken JSON", "missing required field: sent_at"
    "raw_text": "VARCHAR",
    "_ingested_at": "TIMESTAMP",
}

# A quarantine reason may quote the offending value ("unknown direction value 'x'"), which can be personal
# data: everything shown outside raw uses this DuckDB expression over `reason`, which withholds the value.
REDACTED_REASON_SQL = "regexp_replace(coalesce(reason, ''), ' value ''.*$', ' value (withheld)')"

# raw.file_ledger: one row per landed file (latest content).
LEDGER_COLUMNS = {
    "source": "VARCHAR",
    "path": "VARCHAR",  # relative to the landing root
    "size_bytes": "BIGINT",
    "content_hash": "VARCHAR",  # sha256 of the bytes
    "rows_read": "BIGINT",
    "rows_loaded": "BIGINT",
    "rows_quarantined": "BIGINT",
    "loaded_at": "TIMESTAMP",
}
