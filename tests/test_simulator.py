"""The contact-center simulator (issue 3): layout, formats, determinism, realism, agents, faults, truth.

Small runs (2-3 days, 8 agents) generated once per module; every check reads the written files back.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from orchestration.landing import SOURCES
from simulator import cli as sim_cli
from simulator import generate
from simulator.engine import read_seed

DAYS = 3
AGENTS = 8
QUEUE_FIELD = {
    "email": "mailbox",
    "chat": "queue",
    "sms": "business_number",
    "social": "platform",
    "voice": "queue",
}
ID_FIELD = {
    "email": "message_id",
    "chat": "chat_id",
    "sms": "sms_id",
    "social": "post_id",
    "voice": "call_id",
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "landing"
    generate(out, days=DAYS, seed=11, agents=AGENTS)
    return out


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("faulty") / "landing"
    generate(out, days=DAYS, seed=11, agents=AGENTS, faults=True)
    return out


def parse_ts(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value.astimezone(UTC)


def read_rows(root: Path, source: str) -> list[tuple[str, int, dict]]:
    """(relative file, line, record) of every row of a source; CSV cells '' -> None."""
    spec = SOURCES[source]
    rows = []
    for path in sorted((root / source).glob("dt=*/*")):
        rel = path.relative_to(root).as_posix()
        if spec.format == "jsonl":
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                rows.append((rel, i, json.loads(line)))
        else:
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                header = next(reader)
                assert tuple(header) == spec.fields, rel
                for i, cells in enumerate(reader, start=2):
                    assert len(cells) == len(spec.fields), (rel, i)
                    rows.append(
                        (rel, i, {k: (v if v != "" else None) for k, v in zip(header, cells, strict=True)})
                    )
    return rows


def test_layout_and_every_row_is_valid(clean: Path) -> None:
    queues = defaultdict(set)
    for row in read_seed("queues"):
        queues[row["channel"]].add(row["source_key"])
    layout = re.compile(r"^([a-z_]+)/dt=(\d{4}-\d{2}-\d{2})/[^/]+\.(jsonl|csv)$")
    files = [p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file()]
    assert {f.split("/")[0] for f in files} == set(SOURCES)
    for f in files:
        m = layout.match(f)
        assert m and m.group(1) in SOURCES and m.group(3) == SOURCES[m.group(1)].extension, f
    suffixes = set()
    for source, spec in SOURCES.items():
        rows = read_rows(clean, source)
        assert rows, source
        ids = [r[spec.id_field] for _, _, r in rows] if spec.id_field else []
        assert len(ids) == len(set(ids)), f"duplicate ids in {source}"
        for rel, line, rec in rows:
            assert set(rec) == set(spec.fields), (rel, line)
            for name in spec.required:
                assert rec[name] not in (None, ""), (rel, line, name)
            for name in spec.timestamps:
                if rec[name] is not None:
                    parse_ts(rec[name])
                    suffixes.add(rec[name][19:])
            for name, allowed in spec.enums.items():
                assert rec[name] in allowed, (rel, line, name, rec[name])
            for name in spec.numbers:
                if rec[name] is not None:
                    assert float(rec[name]) >= 0
            for name in spec.arrays:
                assert isinstance(rec[name], list)
            if source in QUEUE_FIELD:
                assert rec[QUEUE_FIELD[source]] in queues[source], (rel, line)
            if spec.timestamps and source != "agent_states":
                # the dt folder is the UTC day of the row (no late data without faults)
                assert rel.split("/")[1] == "dt=" + parse_ts(rec[spec.timestamps[0]]).date().isoformat()
            if source in ("agent_activity", "agent_states"):
                assert parse_ts(rec["ended_at"]) > parse_ts(rec["started_at"]), (rel, line)
    assert {"Z", "+00:00", "+02:00", "-05:00"} <= suffixes


def _digest(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, days=2, seed=3, agents=6, faults=True)
    generate(b, days=2, seed=3, agents=6, faults=True, workers=0)  # written in-process: same bytes
    generate(c, days=2, seed=4, agents=6, faults=True)
    assert _digest(a) == _digest(b)
    assert (tmp_path / "a.faults.json").read_bytes() == (tmp_path / "b.faults.json").read_bytes()
    assert _digest(a) != _digest(c)


def test_intraday_and_weekly_seasonality(clean: Path) -> None:
    hours = np.zeros(24)
    for _, _, rec in read_rows(clean, "voice") + read_rows(clean, "chat"):
        if rec.get("transferred_from_call_id") or rec.get("event_type", "message") != "message":
            continue
        hours[parse_ts(rec.get("offered_at") or rec["occurred_at"]).hour] += 1
    peak, trough = hours.max(), max(hours.min(), 1.0)
    assert peak / trough > 8, hours


def test_chat_concurrency_overlaps_but_never_exceeds_the_limit(clean: Path) -> None:
    limit = int(next(r for r in read_seed("channel_policies") if r["channel"] == "chat")["max_concurrency"])
    per_agent = defaultdict(list)
    for _, _, r in read_rows(clean, "agent_activity"):
        if r["channel"] == "chat":
            per_agent[r["agent_id"]].append(
                (parse_ts(r["started_at"]), parse_ts(r["ended_at"]), r["item_id"])
            )
    peak_overall = 0
    for segments in per_agent.values():
        # concurrency = distinct chats with a segment covering the instant; sweep over segment starts
        for s, _, _ in segments:
            chats = {item for a, b, item in segments if a <= s < b}
            assert len(chats) <= limit
            peak_overall = max(peak_overall, len(chats))
    assert peak_overall == limit  # agents do hold several chats at once


def test_agent_states_cover_every_work_segment(clean: Path) -> None:
    busy = defaultdict(list)
    spans = defaultdict(list)
    for _, _, r in read_rows(clean, "agent_states"):
        s, e = parse_ts(r["started_at"]), parse_ts(r["ended_at"])
        spans[r["agent_id"]].append((s, e, r["state"]))
        if r["state"] == "busy":
            busy[r["agent_id"]].append((s, e))
    for agent, items in spans.items():  # states of an agent tile the days without overlap
        items.sort()
        for (_, e1, _), (s2, _, _) in zip(items, items[1:], strict=False):
            assert e1 == s2, agent
    assert {st for items in spans.values() for _, _, st in items} >= {
        "available",
        "busy",
        "break",
        "lunch",
        "offline",
    }
    for _, _, r in read_rows(clean, "agent_activity"):
        s, e = parse_ts(r["started_at"]), parse_ts(r["ended_at"])
        assert any(bs <= s and e <= be for bs, be in busy[r["agent_id"]]), r


def test_work_segments_point_at_real_items(clean: Path) -> None:
    rows = {s: read_rows(clean, s) for s in ("email", "chat", "sms", "social", "voice")}
    ids = {s: {r[ID_FIELD[s]] for _, _, r in rs} for s, rs in rows.items()}
    direction = {r["message_id"]: (r["direction"], r["sent_at"]) for _, _, r in rows["email"]}
    for _, _, seg in read_rows(clean, "agent_activity"):
        assert seg["item_id"] in ids[seg["channel"]], seg
        if seg["channel"] == "email":
            kind, sent_at = direction[seg["item_id"]]
            if seg["activity"] == "compose":  # attributed to the outbound message it produced
                assert kind == "outbound" and parse_ts(sent_at) == parse_ts(seg["ended_at"])
            else:
                assert seg["activity"] == "read" and kind == "inbound"


def test_threads_switches_and_voice_realism(clean: Path) -> None:
    emails = [r for _, _, r in read_rows(clean, "email")]
    by_id = {r["message_id"]: r for r in emails}
    replies = [r for r in emails if r["in_reply_to"]]
    assert replies and all(r["in_reply_to"] in by_id and r["in_reply_to"] in r["references"] for r in replies)
    assert any(r["ticket_id"] for r in emails) and any(not r["ticket_id"] for r in emails)
    delays = [
        (parse_ts(r["sent_at"]) - parse_ts(by_id[r["in_reply_to"]]["sent_at"])).total_seconds()
        for r in replies
        if r["direction"] == "inbound"
    ]
    assert min(delays) < 1800 and max(delays) > 12 * 3600  # minutes to days
    calls = [r for _, _, r in read_rows(clean, "voice")]
    call_ids = {r["call_id"] for r in calls}
    assert any(r["answered_at"] is None for r in calls)
    assert any(r["transferred_from_call_id"] in call_ids for r in calls)
    assert sum(int(r["hold_seconds"] or 0) > 0 for r in calls) > 0
    chats = {r["chat_id"] for _, _, r in read_rows(clean, "chat")}
    origins = [r["origin_ref"] for r in calls if r["origin_ref"]]
    assert any(o.startswith("chat:") for o in origins) and any(o.startswith("email:") for o in origins)
    for o in origins:
        channel, ref = o.split(":", 1)
        assert ref in (chats if channel == "chat" else by_id if channel == "email" else {ref})
    events = {r["event_type"] for _, _, r in read_rows(clean, "chat")}
    senders = {r["sender"] for _, _, r in read_rows(clean, "chat")}
    assert events == {"message", "agent_join", "agent_leave", "transfer", "end"}
    assert senders == {"customer", "agent", "bot", "system"}
    social = [r for _, _, r in read_rows(clean, "social")]
    assert any(r["conversation_id"] for r in social) and any(r["reply_to_post_id"] for r in social)
    customers = read_rows(clean, "customers")
    known = {r["email"] for _, _, r in customers}
    assert any(r["customer_address"] not in known for r in emails)  # some unknown to the directory


def _line(root: Path, rel: str, line: int) -> str:
    return (root / rel).read_text(encoding="utf-8").splitlines()[line - 1]


def _record(root: Path, source: str, rel: str, line: int) -> dict:
    text = _line(root, rel, line)
    if SOURCES[source].format == "jsonl":
        return json.loads(text)
    cells = next(csv.reader([text]))
    return {k: (v if v != "" else None) for k, v in zip(SOURCES[source].fields, cells, strict=True)}


def _parses(value: str | None) -> bool:
    try:
        parse_ts(value)
    except (TypeError, ValueError, AssertionError):
        return False
    return True


def test_every_fault_in_the_manifest_is_in_the_files(faulty: Path) -> None:
    manifest = json.loads((faulty.parent / "landing.faults.json").read_text())
    seen = {e["type"] for e in manifest["faults"]}
    assert seen == {
        "broken_json",
        "bad_timestamp",
        "missing_required",
        "unknown_queue",
        "segment_end_before_start",
        "orphan_segment",
        "over_concurrency",
        "late_row",
        "duplicate_row",
        "duplicate_file",
    }
    queues = {r["source_key"] for r in read_seed("queues")}
    all_ids = set()
    for e in manifest["faults"]:
        kind, source, rel, line = e["type"], e["source"], e["file"], e["line"]
        assert (faulty / rel).is_file(), e
        if kind == "duplicate_file":
            assert (faulty / rel).read_bytes() == (faulty / e["detail"]).read_bytes()
            assert rel.split("/")[1] > e["detail"].split("/")[1]
            continue
        if kind == "broken_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(_line(faulty, rel, line))
            continue
        if kind == "duplicate_row":
            orig_rel, orig_line = e["detail"].rsplit(":", 1)
            assert _line(faulty, rel, line) == _line(faulty, orig_rel, int(orig_line))
            assert rel.split("/")[1] > orig_rel.split("/")[1]
            continue
        rec = _record(faulty, source, rel, line)
        if kind == "bad_timestamp":
            assert not _parses(rec[e["field"]]), e
        elif kind == "missing_required":
            assert rec.get(e["field"]) in (None, ""), e
        elif kind == "unknown_queue":
            assert rec[e["field"]] not in queues, e
        elif kind == "segment_end_before_start":
            assert parse_ts(rec["ended_at"]) < parse_ts(rec["started_at"]), e
        elif kind == "orphan_segment":
            all_ids = all_ids or {
                r[ID_FIELD[s]] for s in ID_FIELD for _, _, r in _rows_lenient(faulty, s) if r.get(ID_FIELD[s])
            }
            assert rec["item_id"] not in all_ids and rec["segment_id"] == e["id"], e
        elif kind == "over_concurrency":
            s, t = parse_ts(rec["started_at"]), parse_ts(rec["ended_at"])
            overlapping = {
                r["item_id"]
                for _, _, r in _rows_lenient(faulty, "agent_activity", rel)
                if r.get("agent_id") == rec["agent_id"]
                and r.get("channel") == "chat"
                and _parses(r.get("started_at"))
                and _parses(r.get("ended_at"))
                and parse_ts(r["started_at"]) < t
                and s < parse_ts(r["ended_at"])
            }
            assert len(overlapping) > 3, e
        elif kind == "late_row":
            folder_day = rel.split("/")[1][3:]
            stamp = rec[SOURCES[source].timestamps[0]]
            assert parse_ts(stamp).date().isoformat() < folder_day, e


def _rows_lenient(root: Path, source: str, only: str | None = None) -> list[tuple[str, int, dict]]:
    """Rows that parse, skipping broken lines (for the fault checks)."""
    out = []
    for path in sorted((root / source).glob("dt=*/*")):
        rel = path.relative_to(root).as_posix()
        if only and rel != only:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, text in enumerate(lines, start=1):
            if SOURCES[source].format == "csv":
                if i == 1:
                    continue
                cells = next(csv.reader([text]))
                out.append((rel, i, dict(zip(SOURCES[source].fields, cells, strict=True))))
            else:
                try:
                    out.append((rel, i, json.loads(text)))
                except json.JSONDecodeError:
                    continue
    return out


def test_truth_is_beside_the_zone_and_consistent(clean: Path) -> None:
    truth = clean.parent / "landing.truth"
    assert not (clean / "landing.truth").exists()
    con = duckdb.connect()
    t = {
        name: f"read_parquet('{(truth / (name + '.parquet')).as_posix()}')"
        for name in ("events", "segments", "threads", "sessions", "contacts", "journeys", "policy_comparison")
    }
    # every landed message/event/call leg and segment has a truth row, and back
    for source in ("email", "chat", "sms", "social", "voice"):
        landed = {r[SOURCES[source].id_field] for _, _, r in read_rows(clean, source)}
        truth_ids = {
            x
            for (x,) in con.execute(
                f"select source_id from {t['events']} where channel = '{source}'"
            ).fetchall()
        }
        assert landed == truth_ids, source
    segs = {r["segment_id"] for _, _, r in read_rows(clean, "agent_activity")}
    assert segs == {x for (x,) in con.execute(f"select segment_id from {t['segments']}").fetchall()}
    assert con.execute(f"select count(*) from {t['segments']} where session_id is null").fetchone()[0] == 0
    # active handle time is the same whatever the contact unit; counts shrink message > session > thread
    rows = con.execute(f"""
        select channel, approach, count(*), sum(handle_seconds_full), sum(handle_seconds_apportioned)
        from {t["contacts"]} group by all""").fetchall()
    stats = {(c, a): (n, full, app) for c, a, n, full, app in rows}
    for channel in ("email", "chat", "sms", "social", "voice"):
        m, s, th = (stats[(channel, a)] for a in ("message/active", "session/active", "thread/active"))
        assert m[1] == pytest.approx(s[1]) == pytest.approx(th[1])
        assert m[2] == pytest.approx(s[2]) == pytest.approx(th[2])
        assert m[0] >= s[0] >= th[0]
    # apportioned never exceeds full; chat overlaps make it strictly smaller
    assert stats[("chat", "thread/active")][2] < stats[("chat", "thread/active")][1]
    # voice: handle = talk + hold + wrap of the CDR, per call leg
    cdr = {r["call_id"]: r for _, _, r in read_rows(clean, "voice")}
    legs = con.execute(f"""select contact_id, handle_seconds_full from {t["contacts"]}
                       where approach = 'message/active' and channel = 'voice'""").fetchall()
    for call_id, handle in legs:
        r = cdr[call_id]
        if r["answered_at"] is None:
            assert handle == 0
        else:
            talk_hold = (parse_ts(r["ended_at"]) - parse_ts(r["answered_at"])).total_seconds()
            assert handle == pytest.approx(talk_hold + int(r["wrap_seconds"]))
    # explicit switches share the journey of their origin
    switched = con.execute(f"select count(*) from {t['journeys']} where channels like '%,%'").fetchone()[0]
    assert switched > 0


def test_cli_two_liner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="asyncwfm")
    sub = parser.add_subparsers(dest="command")
    sim_cli.add_parser(sub)
    args = parser.parse_args(
        [
            "generate",
            "--out",
            str(tmp_path / "z"),
            "--days",
            "1",
            "--agents",
            "4",
            "--start",
            "2026-03-02",
            "--seed",
            "5",
        ]
    )
    assert args.func is sim_cli.run and args.start == date(2026, 3, 2)
    assert sim_cli.run(args) == 0
    out = capsys.readouterr().out
    assert "rows:" in out and "email=" in out
    assert (tmp_path / "z" / "voice" / "dt=2026-03-02").is_dir()
    assert (tmp_path / "z.truth" / "contacts.parquet").is_file()


def test_clean_zone_ingests_without_quarantine(clean: Path, faulty: Path) -> None:
    from orchestration.defs.ingestion import loader

    con = duckdb.connect()
    loader.ingest(con, clean)
    assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == 0
    loaded = con.execute("select sum(rows_loaded) from raw.file_ledger").fetchone()[0]
    assert loaded == sum(len(read_rows(clean, s)) for s in SOURCES)
    # with faults: every row-level defect is quarantined at its file and line, and nothing else is
    con = duckdb.connect()
    loader.ingest(con, faulty)
    quarantined = set(con.execute("select _file, _line from raw.quarantine").fetchall())
    manifest = json.loads((faulty.parent / "landing.faults.json").read_text())["faults"]
    row_level = {
        (e["file"], e["line"])
        for e in manifest
        if e["type"] in ("broken_json", "bad_timestamp", "missing_required")
    }
    redelivered = {e["file"] for e in manifest if e["type"] == "duplicate_file"}
    assert row_level <= quarantined
    assert {q for q in quarantined if q[0] not in redelivered} <= row_level
