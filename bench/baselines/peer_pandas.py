"""The peer baseline in pandas (run at 1 M events only): the logic of peer_polars.py / floor_duckdb.sql.

Written the way a data team would: read every file into a DataFrame, merges and groupbys, a loop for the
reply-graph components. Returns {channel: {threads, sessions, contacts, handle_seconds}}.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SESSION_GAP_MINUTES = {"email": 30, "chat": 10, "sms": 30, "social": 30, "voice": 1}
THREAD_GAP_MINUTES = 1440


def _read(landing: Path, source: str, ext: str, columns: list[str], key: str) -> pd.DataFrame:
    frames = []
    for path in sorted(landing.glob(f"{source}/dt=*/*.{ext}")):
        if ext == "csv":
            frames.append(
                pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], usecols=columns)
            )
        else:
            frames.append(pd.read_json(path, lines=True, dtype=False)[columns])
    frame = pd.concat(frames, ignore_index=True)
    return frame.drop_duplicates(subset=key, keep="first").reset_index(drop=True)


def _ts(series: pd.Series) -> pd.Series:
    """ISO 8601 text with an offset → UTC epoch seconds (float; NaN when empty)."""
    parsed = pd.to_datetime(series, utc=True, format="ISO8601")
    return (parsed - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()


def components(edges: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([edges[["a", "b"]], edges.rename(columns={"a": "b", "b": "a"})[["a", "b"]]])
    labels = both.groupby("a")["b"].min().rename("comp").reset_index().rename(columns={"a": "node"})
    labels["comp"] = np.minimum(labels["node"].to_numpy(dtype=object), labels["comp"].to_numpy(dtype=object))
    labels = labels.set_index("node")["comp"]
    while True:
        via_edges = both.assign(comp=both["a"].map(labels)).groupby("b")["comp"].min()
        jumped = labels.map(labels)
        new = pd.concat([labels, via_edges, jumped]).groupby(level=0).min()
        if new.reindex(labels.index).eq(labels).all() and len(new) == len(labels):
            return new.rename_axis("node").rename("comp").reset_index()
        labels = new


def run(landing: Path) -> dict[str, dict[str, float]]:
    landing = Path(landing)
    email = _read(
        landing,
        "email",
        "jsonl",
        ["message_id", "in_reply_to", "references", "ticket_id", "sent_at"],
        "message_id",
    )
    email["ts"] = _ts(email["sent_at"])
    chat = _read(landing, "chat", "jsonl", ["event_id", "chat_id", "event_type", "occurred_at"], "event_id")
    chat["ts"] = _ts(chat["occurred_at"])
    sms = _read(landing, "sms", "csv", ["sms_id", "customer_phone", "business_number", "sent_at"], "sms_id")
    sms["gap_key"] = (
        sms["customer_phone"].str.replace(r"[^0-9]", "", regex=True) + "|" + sms["business_number"]
    )
    sms["ts"] = _ts(sms["sent_at"])
    social = _read(
        landing,
        "social",
        "jsonl",
        ["post_id", "platform", "conversation_id", "reply_to_post_id", "customer_handle", "created_at"],
        "post_id",
    )
    social["gap_key"] = (
        social["platform"] + "|" + social["customer_handle"].str.strip().str.lower().str.lstrip("@")
    )
    social["ts"] = _ts(social["created_at"])
    voice = _read(
        landing,
        "voice",
        "csv",
        [
            "call_id",
            "agent_id",
            "transferred_from_call_id",
            "offered_at",
            "answered_at",
            "ended_at",
            "wrap_seconds",
        ],
        "call_id",
    )
    voice["ts"], voice["answered"], voice["ended"] = (
        _ts(voice[c]) for c in ("offered_at", "answered_at", "ended_at")
    )
    voice["wrap"] = pd.to_numeric(voice["wrap_seconds"]).fillna(0.0)
    segments = _read(
        landing,
        "agent_activity",
        "jsonl",
        ["segment_id", "agent_id", "channel", "item_id", "started_at", "ended_at"],
        "segment_id",
    )
    segments["start"], segments["end"] = _ts(segments["started_at"]), _ts(segments["ended_at"])

    # reply graphs
    unticketed = email[email["ticket_id"].isna()]
    refs = unticketed[["message_id", "references"]].explode("references").dropna()
    refs["r"] = refs["references"].str.strip()
    refs = refs[refs["r"] != ""]
    parent_conv = social.set_index("post_id")["conversation_id"]
    replies = social[social["reply_to_post_id"].notna()].copy()
    replies["parent_conv"] = replies["reply_to_post_id"].map(parent_conv)
    replies = replies[~(replies["conversation_id"].notna() & replies["parent_conv"].notna())]
    with_conv = social[social["conversation_id"].notna()]
    transfers = voice[voice["transferred_from_call_id"].notna()]
    replied = unticketed[unticketed["in_reply_to"].notna()]
    edges = pd.concat(
        [
            pd.DataFrame({"a": "e:" + replied["message_id"], "b": "e:" + replied["in_reply_to"]}),
            pd.DataFrame({"a": "e:" + refs["message_id"], "b": "e:" + refs["r"]}),
            pd.DataFrame(
                {
                    "a": "s:" + with_conv["post_id"],
                    "b": "c:" + with_conv["platform"] + ":" + with_conv["conversation_id"],
                }
            ),
            pd.DataFrame({"a": "s:" + replies["post_id"], "b": "s:" + replies["reply_to_post_id"]}),
            pd.DataFrame(
                {"a": "v:" + transfers["call_id"], "b": "v:" + transfers["transferred_from_call_id"]}
            ),
        ],
        ignore_index=True,
    )
    comp = components(edges).set_index("node")["comp"]

    # threads
    email["comp"] = ("e:" + email["message_id"]).map(comp).astype("string")
    ticketed = email[email["ticket_id"].notna() & email["comp"].notna()].sort_values(["ts", "message_id"])
    comp_ticket = ticketed.groupby("comp")["ticket_id"].first()
    ticket_of_comp = email["comp"].map(comp_ticket).astype("string")
    email["thread"] = (
        ("t:" + email["ticket_id"].astype("string"))
        .fillna("t:" + ticket_of_comp)
        .fillna(email["comp"].astype("string"))
        .fillna(email["message_id"])
    )
    social["comp"] = ("s:" + social["post_id"]).map(comp).astype("string")
    gapped = pd.concat(
        [
            pd.DataFrame(
                {"channel": "sms", "id": sms["sms_id"], "ts": sms["ts"], "gap_key": "sms|" + sms["gap_key"]}
            ),
            pd.DataFrame(
                {
                    "channel": "social",
                    "id": social["post_id"],
                    "ts": social["ts"],
                    "gap_key": "social|" + social["gap_key"],
                }
            )[social["comp"].isna().to_numpy()],
        ],
        ignore_index=True,
    ).sort_values(["gap_key", "ts", "id"])
    gap = gapped.groupby("gap_key")["ts"].diff()
    gapped["n"] = (
        (gap.isna() | (gap > THREAD_GAP_MINUTES * 60)).astype(int).groupby(gapped["gap_key"]).cumsum()
    )
    voice["thread"] = ("v:" + voice["call_id"]).map(comp).fillna(voice["call_id"])
    chat_messages = chat[chat["event_type"] == "message"]
    social_graph = social[social["comp"].notna()]
    messages = pd.concat(
        [
            pd.DataFrame(
                {
                    "channel": "email",
                    "id": email["message_id"],
                    "ts": email["ts"],
                    "ended": email["ts"],
                    "thread": email["thread"],
                }
            ),
            pd.DataFrame(
                {
                    "channel": "chat",
                    "id": chat_messages["event_id"],
                    "ts": chat_messages["ts"],
                    "ended": chat_messages["ts"],
                    "thread": chat_messages["chat_id"],
                }
            ),
            pd.DataFrame(
                {
                    "channel": gapped["channel"],
                    "id": gapped["id"],
                    "ts": gapped["ts"],
                    "ended": gapped["ts"],
                    "thread": gapped["gap_key"] + "#" + gapped["n"].astype(str),
                }
            ),
            pd.DataFrame(
                {
                    "channel": "social",
                    "id": social_graph["post_id"],
                    "ts": social_graph["ts"],
                    "ended": social_graph["ts"],
                    "thread": social_graph["comp"],
                }
            ),
            pd.DataFrame(
                {
                    "channel": "voice",
                    "id": voice["call_id"],
                    "ts": voice["ts"],
                    "ended": voice["ended"],
                    "thread": voice["thread"],
                }
            ),
        ],
        ignore_index=True,
    )

    # sessions
    others = chat[chat["event_type"] != "message"]
    timeline = pd.concat(
        [
            messages.assign(is_message=True),
            pd.DataFrame(
                {
                    "channel": "chat",
                    "id": others["event_id"],
                    "ts": others["ts"],
                    "ended": others["ts"],
                    "thread": others["chat_id"],
                    "is_message": False,
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["thread", "ts", "id"])
    prev_end = timeline.groupby("thread")["ended"].cummax().groupby(timeline["thread"]).shift(1)
    limit = timeline["channel"].map(SESSION_GAP_MINUTES) * 60
    timeline["seq"] = (
        (prev_end.isna() | ((timeline["ts"] - prev_end) > limit))
        .astype(int)
        .groupby(timeline["thread"])
        .cumsum()
    )
    sessions = timeline[timeline["is_message"]].drop_duplicates(["thread", "seq"]).groupby("channel").size()

    # work
    cdr = voice[voice["answered"].notna() & voice["agent_id"].notna()]
    valid = segments[
        (segments["end"] > segments["start"])
        & ~((segments["channel"] == "voice") & segments["item_id"].isin(cdr["call_id"]))
    ]
    talk = cdr[cdr["ended"] > cdr["answered"]]
    wrap = cdr[cdr["wrap"] > 0]
    counted = pd.concat(
        [
            valid[["agent_id", "channel", "item_id", "start", "end"]],
            pd.DataFrame(
                {
                    "agent_id": talk["agent_id"],
                    "channel": "voice",
                    "item_id": talk["call_id"],
                    "start": talk["answered"],
                    "end": talk["ended"],
                }
            ),
            pd.DataFrame(
                {
                    "agent_id": wrap["agent_id"],
                    "channel": "voice",
                    "item_id": wrap["call_id"],
                    "start": wrap["ended"],
                    "end": wrap["ended"] + wrap["wrap"],
                }
            ),
        ],
        ignore_index=True,
    )
    items = messages.assign(
        item_id=np.where(messages["channel"] == "chat", messages["thread"], messages["id"])
    )
    items = items[["channel", "item_id"]].drop_duplicates().assign(is_attributed=True)
    work = counted.merge(items, on=["channel", "item_id"], how="left")
    work["is_attributed"] = work["is_attributed"].fillna(False).astype(bool)
    full = work[work["is_attributed"] & (work["channel"] != "chat")]
    handle = (full["end"] - full["start"]).groupby(full["channel"]).sum().to_dict()
    is_chat = ((work["channel"] == "chat") & work["is_attributed"]).astype(int)
    deltas = (
        pd.concat(
            [
                pd.DataFrame({"agent_id": work["agent_id"], "t": work["start"], "d": 1, "dc": is_chat}),
                pd.DataFrame({"agent_id": work["agent_id"], "t": work["end"], "d": -1, "dc": -is_chat}),
            ]
        )
        .groupby(["agent_id", "t"], as_index=False)[["d", "dc"]]
        .sum()
        .sort_values(["agent_id", "t"])
    )
    by_agent = deltas.groupby("agent_id")
    deltas["n_open"], deltas["n_chat"] = by_agent["d"].cumsum(), by_agent["dc"].cumsum()
    deltas["t_next"] = by_agent["t"].shift(-1)
    live = deltas[deltas["n_chat"] > 0]
    handle["chat"] = float(((live["t_next"] - live["t"]) * live["n_chat"] / live["n_open"]).sum())

    result = {}
    for channel, group in messages.groupby("channel"):
        n_threads, n_sessions = group["thread"].nunique(), int(sessions.get(channel, 0))
        contacts = {"email": n_threads, "voice": len(group)}.get(channel, n_sessions)
        result[channel] = {
            "threads": n_threads,
            "sessions": n_sessions,
            "contacts": contacts,
            "handle_seconds": float(handle.get(channel, 0.0)),
        }
    return result
