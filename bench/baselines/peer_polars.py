"""The peer baseline: the floor's logic (floor_duckdb.sql) as a data team would write it in Polars.

Reads the landing files, rebuilds threads (email reply-graph components by label propagation, sms/social
gap threads, voice transfer chains), sessions (gap from the latest end so far, chat's non-message events
bridge gaps) and active handle (chat apportioned over each agent's open segments, other channels full),
under the default policy. Returns {channel: {threads, sessions, contacts, handle_seconds}}.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

SESSION_GAP_MINUTES = {"email": 30, "chat": 10, "sms": 30, "social": 30, "voice": 1}
THREAD_GAP_MINUTES = 1440  # sms and social (default policy)


def _files(landing: Path, source: str, ext: str) -> list[str]:
    return [str(p) for p in sorted(landing.glob(f"{source}/dt=*/*.{ext}"))]


def _ts(column: str) -> pl.Expr:
    """ISO 8601 text with an offset (or Z) → UTC epoch seconds (float)."""
    text = pl.col(column).str.replace(r"Z$", "+00:00")
    return text.str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_zone="UTC", strict=False).dt.epoch("us") / 1e6


def _jsonl(landing: Path, source: str, schema: dict, key: str) -> pl.LazyFrame:
    frame = pl.scan_ndjson(_files(landing, source, "jsonl"), schema=schema)
    return frame.unique(subset=key, keep="first", maintain_order=True)


def _csv(landing: Path, source: str, key: str) -> pl.LazyFrame:
    frame = pl.scan_csv(_files(landing, source, "csv"), infer_schema=False)
    return frame.unique(subset=key, keep="first", maintain_order=True)


def components(edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components (node, comp = smallest node id) by min-label propagation with pointer jumping."""
    both = pl.concat([edges.select(a="a", b="b"), edges.select(a="b", b="a")])
    labels = both.group_by("a").agg(comp=pl.min_horizontal(pl.col("a").first(), pl.col("b").min()))
    labels = labels.rename({"a": "node"})
    while True:
        via_edges = both.join(labels, left_on="a", right_on="node").group_by("b").agg(pl.col("comp").min())
        via_edges = via_edges.rename({"b": "node"})
        jumped = labels.join(labels.rename({"node": "comp", "comp": "comp2"}), on="comp").select(
            "node", comp="comp2"
        )
        new = pl.concat([labels, via_edges, jumped]).group_by("node").agg(pl.col("comp").min())
        changed = (
            new.join(labels, on="node", suffix="_old").filter(pl.col("comp") != pl.col("comp_old")).height
        )
        labels = new
        if changed == 0:
            return labels


def _gap_sequence(frame: pl.DataFrame, key: str, gap_seconds: pl.Expr | float) -> pl.Expr:
    """Running count of cuts (1-based) inside `key`, frame sorted by key, ts, id."""
    previous = pl.col("ts").shift(1).over(key)
    is_new = (previous.is_null() | ((pl.col("ts") - previous) > gap_seconds)).cast(pl.Int32)
    return is_new.cum_sum().over(key)


def run(landing: Path) -> dict[str, dict[str, float]]:
    landing = Path(landing)
    s = pl.String
    email = _jsonl(
        landing,
        "email",
        {"message_id": s, "in_reply_to": s, "references": pl.List(s), "ticket_id": s, "sent_at": s},
        "message_id",
    )
    email = email.select("message_id", "in_reply_to", "references", "ticket_id", ts=_ts("sent_at")).collect()
    chat = _jsonl(
        landing, "chat", {"event_id": s, "chat_id": s, "event_type": s, "occurred_at": s}, "event_id"
    )
    chat = chat.select("event_id", "chat_id", "event_type", ts=_ts("occurred_at")).collect()
    sms = (
        _csv(landing, "sms", "sms_id")
        .select(
            "sms_id",
            gap_key=pl.concat_str(
                [
                    pl.col("customer_phone").str.replace_all(r"[^0-9]", ""),
                    pl.lit("|"),
                    pl.col("business_number"),
                ]
            ),
            ts=_ts("sent_at"),
        )
        .collect()
    )
    social = _jsonl(
        landing,
        "social",
        {
            "post_id": s,
            "platform": s,
            "conversation_id": s,
            "reply_to_post_id": s,
            "customer_handle": s,
            "created_at": s,
        },
        "post_id",
    )
    social = social.select(
        "post_id",
        "platform",
        "conversation_id",
        "reply_to_post_id",
        gap_key=pl.concat_str(
            [
                pl.col("platform"),
                pl.lit("|"),
                pl.col("customer_handle").str.strip_chars().str.to_lowercase().str.strip_chars_start("@"),
            ]
        ),
        ts=_ts("created_at"),
    ).collect()
    voice = (
        _csv(landing, "voice", "call_id")
        .select(
            "call_id",
            "agent_id",
            "transferred_from_call_id",
            ts=_ts("offered_at"),
            answered=_ts("answered_at"),
            ended=_ts("ended_at"),
            wrap=pl.col("wrap_seconds").str.strip_chars().replace("", None).cast(pl.Float64).fill_null(0.0),
        )
        .collect()
    )
    segments = _jsonl(
        landing,
        "agent_activity",
        {"segment_id": s, "agent_id": s, "channel": s, "item_id": s, "started_at": s, "ended_at": s},
        "segment_id",
    )
    segments = segments.select(
        "agent_id", "channel", "item_id", start=_ts("started_at"), end=_ts("ended_at")
    ).collect()

    # reply graphs
    unticketed = email.filter(pl.col("ticket_id").is_null())
    parents = social.select(reply_to_post_id="post_id", parent_conv="conversation_id")
    social_replies = (
        social.filter(pl.col("reply_to_post_id").is_not_null())
        .join(parents, on="reply_to_post_id", how="left")
        .filter(~(pl.col("conversation_id").is_not_null() & pl.col("parent_conv").is_not_null()))
    )
    edges = pl.concat(
        [
            unticketed.filter(pl.col("in_reply_to").is_not_null()).select(
                a="e:" + pl.col("message_id"), b="e:" + pl.col("in_reply_to")
            ),
            unticketed.explode("references")
            .with_columns(r=pl.col("references").str.strip_chars())
            .filter(pl.col("r").is_not_null() & (pl.col("r") != ""))
            .select(a="e:" + pl.col("message_id"), b="e:" + pl.col("r")),
            social.filter(pl.col("conversation_id").is_not_null()).select(
                a="s:" + pl.col("post_id"),
                b=pl.concat_str([pl.lit("c:"), pl.col("platform"), pl.lit(":"), pl.col("conversation_id")]),
            ),
            social_replies.select(a="s:" + pl.col("post_id"), b="s:" + pl.col("reply_to_post_id")),
            voice.filter(pl.col("transferred_from_call_id").is_not_null()).select(
                a="v:" + pl.col("call_id"), b="v:" + pl.col("transferred_from_call_id")
            ),
        ]
    )
    comp = components(edges)

    # threads, one row per message
    email_c = email.with_columns(node="e:" + pl.col("message_id")).join(comp, on="node", how="left")
    comp_ticket = (
        email_c.filter(pl.col("ticket_id").is_not_null() & pl.col("comp").is_not_null())
        .sort("ts", "message_id")
        .group_by("comp")
        .agg(comp_ticket=pl.col("ticket_id").first())
    )
    email_c = email_c.join(comp_ticket, on="comp", how="left")
    email_m = email_c.select(
        channel=pl.lit("email"),
        id="message_id",
        ts="ts",
        ended="ts",
        thread=pl.coalesce("t:" + pl.col("ticket_id"), "t:" + pl.col("comp_ticket"), "comp", "message_id"),
    )
    social_c = social.with_columns(node="s:" + pl.col("post_id")).join(comp, on="node", how="left")
    gapped = pl.concat(
        [
            sms.select(channel=pl.lit("sms"), id="sms_id", ts="ts", gap_key="sms|" + pl.col("gap_key")),
            social_c.filter(pl.col("comp").is_null()).select(
                channel=pl.lit("social"), id="post_id", ts="ts", gap_key="social|" + pl.col("gap_key")
            ),
        ]
    ).sort("gap_key", "ts", "id")
    gapped = gapped.with_columns(n=_gap_sequence(gapped, "gap_key", THREAD_GAP_MINUTES * 60.0))
    voice_c = voice.with_columns(node="v:" + pl.col("call_id")).join(comp, on="node", how="left")
    messages = pl.concat(
        [
            email_m,
            chat.filter(pl.col("event_type") == "message").select(
                channel=pl.lit("chat"), id="event_id", ts="ts", ended="ts", thread="chat_id"
            ),
            gapped.select(
                "channel",
                "id",
                "ts",
                ended="ts",
                thread=pl.concat_str([pl.col("gap_key"), pl.lit("#"), pl.col("n").cast(pl.String)]),
            ),
            social_c.filter(pl.col("comp").is_not_null()).select(
                channel=pl.lit("social"), id="post_id", ts="ts", ended="ts", thread="comp"
            ),
            voice_c.select(
                channel=pl.lit("voice"),
                id="call_id",
                ts="ts",
                ended="ended",
                thread=pl.coalesce("comp", "call_id"),
            ),
        ]
    )

    # sessions
    timeline = pl.concat(
        [
            messages.with_columns(is_message=pl.lit(True)),
            chat.filter(pl.col("event_type") != "message").select(
                channel=pl.lit("chat"),
                id="event_id",
                ts="ts",
                ended="ts",
                thread="chat_id",
                is_message=pl.lit(False),
            ),
        ]
    ).sort("thread", "ts", "id")
    gap = pl.col("channel").replace_strict(SESSION_GAP_MINUTES, return_dtype=pl.Float64) * 60
    prev_end = pl.col("ended").cum_max().shift(1).over("thread")
    timeline = timeline.with_columns(
        is_new=(prev_end.is_null() | ((pl.col("ts") - prev_end) > gap)).cast(pl.Int32)
    ).with_columns(seq=pl.col("is_new").cum_sum().over("thread"))
    sessions = (
        timeline.filter("is_message").group_by("channel").agg(sessions=pl.struct("thread", "seq").n_unique())
    )

    # work
    cdr = voice.filter(pl.col("answered").is_not_null() & pl.col("agent_id").is_not_null())
    counted = pl.concat(
        [
            segments.filter(
                (pl.col("end") > pl.col("start"))
                & ~((pl.col("channel") == "voice") & pl.col("item_id").is_in(cdr["call_id"].implode()))
            ),
            cdr.filter(pl.col("ended") > pl.col("answered")).select(
                "agent_id", channel=pl.lit("voice"), item_id="call_id", start="answered", end="ended"
            ),
            cdr.filter(pl.col("wrap") > 0).select(
                "agent_id",
                channel=pl.lit("voice"),
                item_id="call_id",
                start="ended",
                end=pl.col("ended") + pl.col("wrap"),
            ),
        ]
    )
    items = (
        messages.select(
            "channel", item_id=pl.when(pl.col("channel") == "chat").then("thread").otherwise("id")
        )
        .unique()
        .with_columns(is_attributed=pl.lit(True))
    )
    work = counted.join(items, on=["channel", "item_id"], how="left").with_columns(
        pl.col("is_attributed").fill_null(False)
    )
    full = (
        work.filter(pl.col("is_attributed") & (pl.col("channel") != "chat"))
        .group_by("channel")
        .agg(handle_seconds=(pl.col("end") - pl.col("start")).sum())
    )
    is_chat = ((pl.col("channel") == "chat") & pl.col("is_attributed")).cast(pl.Int32)
    deltas = (
        pl.concat(
            [
                work.select("agent_id", t="start", d=pl.lit(1, pl.Int32), dc=is_chat),
                work.select("agent_id", t="end", d=pl.lit(-1, pl.Int32), dc=-is_chat),
            ]
        )
        .group_by("agent_id", "t")
        .agg(pl.col("d").sum(), pl.col("dc").sum())
        .sort("agent_id", "t")
    )
    running = deltas.with_columns(
        n_open=pl.col("d").cum_sum().over("agent_id"),
        n_chat=pl.col("dc").cum_sum().over("agent_id"),
        t_next=pl.col("t").shift(-1).over("agent_id"),
    ).filter(pl.col("n_chat") > 0)
    chat_handle = float(((running["t_next"] - running["t"]) * running["n_chat"] / running["n_open"]).sum())
    handle = dict(full.iter_rows()) | {"chat": chat_handle}

    threads = messages.group_by("channel").agg(threads=pl.col("thread").n_unique(), n=pl.len())
    result = {}
    for channel, n_threads, n_messages in threads.iter_rows():
        n_sessions = sessions.filter(pl.col("channel") == channel)["sessions"][0]
        contacts = {"email": n_threads, "voice": n_messages}.get(channel, n_sessions)
        result[channel] = {
            "threads": n_threads,
            "sessions": n_sessions,
            "contacts": contacts,
            "handle_seconds": handle.get(channel, 0.0),
        }
    return result
