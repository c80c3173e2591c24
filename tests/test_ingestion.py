"""Ingestion of the landing zone into raw (SPEC §2, §8): rows, lineage, quarantine, ledger, re-runs.

Every expectation below is counted by hand from the files the test writes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingestion.loader import ingest
from orchestration.landing import SOURCES

FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"
DAY = "dt=2026-01-05"


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def jsonl(*records: dict[str, object] | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def email(message_id: str, **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "message_id": message_id,
        "in_reply_to": None,
        "references": [],
        "ticket_id": None,
        "mailbox": "support",
        "direction": "inbound",
        "customer_address": "ann@example.com",
        "agent_id": None,
        "sent_at": "2026-01-05T09:00:00Z",
        "subject": "s",
        "body": "b",
    }
    record.update(overrides)
    return record


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.execute(query).fetchall()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [*SOURCES, "quarantine", "file_ledger"]
    return {t: rows(con, f"select count(*) from raw.{t}")[0][0] for t in tables}


def ledger(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return rows(con, "select * from raw.file_ledger order by path")


def quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None, str]]:
    return rows(con, "select _file, _line, reason from raw.quarantine order by _file, _line")


def assert_accounting(con: duckdb.DuckDBPyConnection) -> None:
    """SPEC §8: for each landed file, rows read = rows loaded + rows quarantined, and the tables agree."""
    bad = rows(
        con,
        """
        select path from raw.file_ledger
        where rows_read <> rows_loaded + rows_quarantined
            or rows_quarantined <> (
                select count(*) from raw.quarantine as q where q._file = path and q._line is not null
            )
        """,
    )
    assert bad == []
    for source in SOURCES:
        mismatch = rows(
            con,
            f"""
            select l.path from raw.file_ledger as l
            where l.source = '{source}'
                and l.rows_loaded <> (select count(*) from raw.{source} as r where r._file = l.path)
            """,
        )
        assert mismatch == []


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(FIXTURE, root)
    return root


# --- the small valid landing zone ---------------------------------------------------------------------


def test_small_landing_zone_loads_every_source(con, landing):
    summary = ingest(con, landing)
    expected = {
        "email": 3,
        "chat": 5,
        "sms": 2,
        "social": 2,
        "voice": 2,
        "agent_activity": 7,
        "agent_states": 6,
        "customers": 3,
    }
    assert {s: v.rows_loaded for s, v in summary.sources.items()} == expected
    assert summary.rows_quarantined == 0
    assert summary.unexpected == []
    assert counts(con) == {**expected, "quarantine": 0, "file_ledger": 8}
    assert rows(con, 'select message_id, in_reply_to, "references", agent_id from raw.email order by 1') == [
        ("m1", None, [], None),
        ("m2", "m1", ["m1"], "a1"),
        ("m3", "m2", ["m1", "m2"], None),
    ]
    # empty CSV cells are NULL; text stays as delivered
    assert rows(con, "select call_id, answered_at, hold_seconds, origin_ref from raw.voice order by 1") == [
        ("v1", "2026-01-05T14:00:15Z", "30", "sms:s1"),
        ("v2", None, None, None),
    ]
    assert rows(con, "select body from raw.sms where sms_id = 's2'") == [
        ("Yes, reply with the new address.",)
    ]
    assert rows(con, "select count(distinct _ingested_at) from raw.chat") == [(1,)]
    assert_accounting(con)


def test_ledger_records_size_and_sha256(con, landing):
    import hashlib

    ingest(con, landing)
    path = landing / "email" / DAY / "part-0.jsonl"
    data = path.read_bytes()
    assert rows(
        con,
        "select source, size_bytes, content_hash, rows_read, rows_loaded, rows_quarantined "
        f"from raw.file_ledger where path = 'email/{DAY}/part-0.jsonl'",
    ) == [("email", len(data), hashlib.sha256(data).hexdigest(), 3, 3, 0)]


# --- re-runs -----------------------------------------------------------------------------------------


def test_rerun_is_idempotent(con, landing):
    ingest(con, landing)
    before_counts, before_ledger = counts(con), ledger(con)
    summary = ingest(con, landing)
    assert counts(con) == before_counts
    assert ledger(con) == before_ledger  # loaded_at unchanged: nothing was rewritten
    assert all(s.files_skipped == 1 and s.files_loaded == 0 for s in summary.sources.values())
    assert summary.rows_loaded == 0


def test_redelivered_identical_file_is_skipped(con, landing):
    ingest(con, landing)
    path = landing / "email" / DAY / "part-0.jsonl"
    path.write_bytes(path.read_bytes())  # re-delivered: new mtime, same bytes
    summary = ingest(con, landing)
    assert summary.sources["email"].files_skipped == 1
    assert summary.sources["email"].files_replaced == 0
    assert rows(con, "select count(*) from raw.email") == [(3,)]


def test_changed_file_at_same_path_replaces_its_rows(con, landing):
    ingest(con, landing)
    rel = f"email/{DAY}/part-0.jsonl"
    other = write(landing, f"email/{DAY}/part-1.jsonl", jsonl(email("m9")))
    ingest(con, landing)
    # the changed file now has 2 good rows and 1 broken line
    write(landing, rel, jsonl(email("m1"), "{broken", email("m4", direction="outbound", agent_id="a1")))
    summary = ingest(con, landing)
    stats = summary.sources["email"]
    assert (stats.files_seen, stats.files_replaced, stats.files_skipped, stats.files_new) == (2, 1, 1, 0)
    assert rows(con, "select message_id, _file, _line from raw.email order by _file, _line") == [
        ("m1", rel, 1),
        ("m4", rel, 3),
        ("m9", other.relative_to(landing).as_posix(), 1),
    ]
    assert quarantine(con) == [(rel, 2, "broken JSON")]
    assert rows(
        con, f"select rows_read, rows_loaded, rows_quarantined from raw.file_ledger where path = '{rel}'"
    ) == [(3, 2, 1)]
    assert rows(con, "select count(*) from raw.file_ledger where source = 'email'") == [(2,)]
    assert_accounting(con)


def test_sources_subset_only_touches_those_sources(con, landing):
    summary = ingest(con, landing, ["chat", "voice"])
    assert set(summary.sources) == {"chat", "voice"}
    assert counts(con)["email"] == 0
    assert rows(con, "select source from raw.file_ledger order by 1") == [("chat",), ("voice",)]


# --- quarantine accounting ---------------------------------------------------------------------------


def test_jsonl_broken_rows_are_quarantined_with_reasons(con, tmp_path):
    rel = f"email/{DAY}/bad.jsonl"
    write(
        tmp_path,
        rel,
        jsonl(
            email("ok1"),  # 1 loaded
            '{"message_id": "x", "mailbox": ',  # 2 broken JSON
            email("ts", sent_at="yesterday at noon"),  # 3 unparseable timestamp
            {k: v for k, v in email("nomb").items() if k != "mailbox"},  # 4 missing required field
            email("dir", direction="sideways"),  # 5 unknown enum
            "[1, 2, 3]",  # 6 not a JSON object
            email("blank", customer_address="  "),  # 7 blank required = missing
            email("refs", references="m1"),  # 8 references not an array
            email("two", sent_at="2026-13-45T09:00:00Z", direction="x"),  # 9 two reasons
            email("ok2", sent_at="2026-01-05T09:00:00+02:00"),  # 10 loaded
        )
        + "\n\n",  # trailing empty lines are not rows
    )
    summary = ingest(con, tmp_path, ["email"])
    stats = summary.sources["email"]
    assert (stats.rows_read, stats.rows_loaded, stats.rows_quarantined) == (10, 2, 8)
    assert quarantine(con) == [
        (rel, 2, "broken JSON"),
        (rel, 3, "unparseable timestamp: sent_at"),
        (rel, 4, "missing required field: mailbox"),
        (rel, 5, "unknown direction value 'sideways'"),
        (rel, 6, "not a JSON object"),
        (rel, 7, "missing required field: customer_address"),
        (rel, 8, "not an array: references"),
        (rel, 9, "unparseable timestamp: sent_at; unknown direction value 'x'"),
    ]
    assert rows(con, "select raw_text from raw.quarantine where _line = 2") == [
        ('{"message_id": "x", "mailbox": ',)
    ]
    assert rows(con, "select message_id, _line from raw.email order by _line") == [("ok1", 1), ("ok2", 10)]
    assert rows(con, "select rows_read, rows_loaded, rows_quarantined from raw.file_ledger") == [(10, 2, 8)]
    assert_accounting(con)


def test_csv_broken_rows_are_quarantined_with_reasons(con, tmp_path):
    rel = f"voice/{DAY}/bad.csv"
    header = (
        "call_id,customer_phone,queue,offered_at,answered_at,ended_at,agent_id,hold_seconds,wrap_seconds,"
        "transferred_from_call_id,origin_ref"
    )
    ok = "2026-01-05T14:00:00Z,2026-01-05T14:00:10Z,2026-01-05T14:05:00Z,a1"
    write(
        tmp_path,
        rel,
        "\n".join(
            [
                header,  # line 1
                f"c1,+1555,vq,{ok},10,5,,",  # 2 loaded
                f"c2,+1555,vq,{ok},10,5",  # 3 too few columns (9)
                f"c3,+1555,vq,{ok},10,5,,,extra",  # 4 too many columns
                f"c4,+1555,vq,{ok},ten,5,,",  # 5 non-numeric hold_seconds
                "c5,+1555,vq,not-a-time,,2026-01-05T14:05:00Z,,,,,",  # 6 unparseable timestamp
                f'c6,+1555,vq,{ok},"1"0,5,,',  # 7 broken quoting
                f",+1555,vq,{ok},1,5,,",  # 8 missing call_id
                f"c8,+1555,vq,{ok},-3,5,,",  # 9 negative hold_seconds
                f'c9,+1555,"v,q",{ok},0,0,"",chat:c1',  # 10 loaded, quoted comma
                "",
            ]
        ),
    )
    summary = ingest(con, tmp_path, ["voice"])
    stats = summary.sources["voice"]
    assert (stats.rows_read, stats.rows_loaded, stats.rows_quarantined) == (9, 2, 7)
    assert quarantine(con) == [
        (rel, 3, "wrong column count: expected 11, found 9"),
        (rel, 4, "wrong column count: expected 11, found 12"),
        (rel, 5, "non-numeric hold_seconds"),
        (rel, 6, "unparseable timestamp: offered_at"),
        (rel, 7, "broken CSV quoting"),
        (rel, 8, "missing required field: call_id"),
        (rel, 9, "negative hold_seconds"),
    ]
    assert rows(
        con, "select call_id, queue, transferred_from_call_id, origin_ref, _line from raw.voice order by 1"
    ) == [
        ("c1", "vq", None, None, 2),
        ("c9", "v,q", "", "chat:c1", 10),
    ]
    assert_accounting(con)


def test_every_reason_kind_per_source(con, tmp_path):
    """Enums of the other sources are checked too (chat sender, activity channel, agent state)."""
    write(
        tmp_path,
        f"chat/{DAY}/c.jsonl",
        jsonl(
            {
                "event_id": "e1",
                "chat_id": "c",
                "queue": "q",
                "event_type": "message",
                "sender": "alien",
                "visitor_id": "v",
                "occurred_at": "2026-01-05T10:00:00Z",
            },
        ),
    )
    write(
        tmp_path,
        f"agent_activity/{DAY}/a.jsonl",
        jsonl(
            {
                "segment_id": "s",
                "agent_id": "a",
                "channel": "fax",
                "item_id": "i",
                "activity": "read",
                "started_at": "2026-01-05T10:00:00Z",
                "ended_at": "2026-01-05T10:01:00Z",
            },
        ),
    )
    write(
        tmp_path,
        f"agent_states/{DAY}/s.csv",
        "agent_id,state,started_at,ended_at\na1,napping,2026-01-05T08:00:00,\n",
    )
    ingest(con, tmp_path)
    assert [r[2] for r in quarantine(con)] == [
        "unknown channel value 'fax'",
        "missing required field: ended_at; unknown state value 'napping'",
        "unknown sender value 'alien'",
    ]
    assert_accounting(con)


# --- text as delivered, lineage ----------------------------------------------------------------------


def test_timestamps_stay_text_as_delivered(con, tmp_path):
    write(
        tmp_path,
        f"email/{DAY}/t.jsonl",
        jsonl(
            email("naive", sent_at="2026-01-05T09:00:00"),
            email("offset", sent_at="2026-01-05T11:00:00+02:00"),
            email("frac", sent_at="2026-01-05 09:00:00.250-0130"),
            email("zulu", sent_at="2026-01-05T09:00:00Z"),
        ),
    )
    ingest(con, tmp_path)
    assert rows(con, "select message_id, sent_at from raw.email order by _line") == [
        ("naive", "2026-01-05T09:00:00"),
        ("offset", "2026-01-05T11:00:00+02:00"),
        ("frac", "2026-01-05 09:00:00.250-0130"),
        ("zulu", "2026-01-05T09:00:00Z"),
    ]
    assert rows(con, "select typeof(sent_at) from raw.email limit 1") == [("VARCHAR",)]
    # the session is UTC, so naive means UTC
    assert rows(
        con, "select count(distinct sent_at::timestamptz) from raw.email where message_id <> 'frac'"
    ) == [(1,)]


def test_csv_line_numbers_with_embedded_newlines(con, tmp_path):
    rel = f"sms/{DAY}/n.csv"
    write(
        tmp_path,
        rel,
        "sms_id,customer_phone,business_number,direction,agent_id,sent_at,body\r\n"  # line 1
        's1,+1,+2,inbound,,2026-01-05T12:00:00Z,"first line\r\nsecond ""quoted"" line"\r\n'  # lines 2-3
        "\r\n"  # 4 blank: not a row
        "s2,+1,+2,outbound,a1,2026-01-05T12:01:00Z,plain\r\n"  # 5
        's3,+1,+2,inbound,,2026-01-05T12:02:00Z,"a\n\nb, c"\r\n'  # 6-8, blank line inside quotes
        "s4,+1,+2,inbound,,2026-01-05T12:03:00Z,tab\there \\ back\r\n",  # 9
    )
    ingest(con, tmp_path)
    assert rows(con, "select sms_id, _line, body from raw.sms order by _line") == [
        ("s1", 2, 'first line\r\nsecond "quoted" line'),
        ("s2", 5, "plain"),
        ("s3", 6, "a\n\nb, c"),
        ("s4", 9, "tab\there \\ back"),
    ]
    assert rows(con, "select rows_read, rows_loaded from raw.file_ledger") == [(4, 4)]


def test_jsonl_line_numbers_and_awkward_bytes(con, tmp_path):
    long_body = "x" * 200_000
    write(
        tmp_path,
        f"email/{DAY}/w.jsonl",
        jsonl(email("m1", body='quote " backslash \\ tab \t end'))
        + "\n"  # line 2 blank, not a row
        + json.dumps(email("m2", body=long_body))
        + "\r\n"  # CRLF
        + json.dumps(email("m3", subject="é ü 漢字 🎧"))
        + "\n",
    )
    ingest(con, tmp_path)
    assert rows(con, "select message_id, _line, length(body), subject from raw.email order by _line") == [
        ("m1", 1, 29, "s"),
        ("m2", 3, 200_000, "s"),
        ("m3", 4, 1, "é ü 漢字 🎧"),
    ]
    assert rows(con, "select body from raw.email where message_id = 'm1'") == [
        ('quote " backslash \\ tab \t end',)
    ]


def test_unknown_json_fields_go_to_extra(con, tmp_path):
    write(
        tmp_path,
        f"email/{DAY}/x.jsonl",
        jsonl(email("m1", priority="high", meta={"lang": "fr", "n": 2}), email("m2")),
    )
    ingest(con, tmp_path)
    extra = rows(con, "select message_id, _extra from raw.email order by 1")
    assert extra[1] == ("m2", None)
    assert json.loads(extra[0][1]) == {"priority": "high", "meta": {"lang": "fr", "n": 2}}


def test_unknown_csv_columns_go_to_extra_and_columns_match_by_name(con, tmp_path):
    write(
        tmp_path,
        f"customers/{DAY}/c.csv",
        "Phone,customer_id,loyalty_tier,email\n+1555,cust1,gold,a@example.com\n",
    )
    ingest(con, tmp_path)
    assert rows(con, "select customer_id, phone, email, social_handle, _extra from raw.customers") == [
        ("cust1", "+1555", "a@example.com", None, '{"loyalty_tier":"gold"}')
    ]


# --- awkward files -----------------------------------------------------------------------------------


def test_empty_file(con, tmp_path):
    write(tmp_path, f"chat/{DAY}/empty.jsonl", "")
    write(
        tmp_path,
        f"sms/{DAY}/header_only.csv",
        "sms_id,customer_phone,business_number,direction,agent_id,sent_at,body\n",
    )
    summary = ingest(con, tmp_path)
    assert summary.sources["chat"].files_new == 1
    assert rows(
        con,
        "select path, size_bytes, rows_read, rows_loaded, rows_quarantined from raw.file_ledger order by 1",
    ) == [
        (f"chat/{DAY}/empty.jsonl", 0, 0, 0, 0),
        (f"sms/{DAY}/header_only.csv", 70, 0, 0, 0),
    ]
    assert counts(con)["quarantine"] == 0


def test_bom_prefixed_files(con, tmp_path):
    write(tmp_path, f"email/{DAY}/bom.jsonl", b"\xef\xbb\xbf" + jsonl(email("m1")).encode())
    write(tmp_path, f"customers/{DAY}/bom.csv", b"\xef\xbb\xbfcustomer_id,email\r\ncust1,a@example.com\r\n")
    ingest(con, tmp_path)
    assert rows(con, "select message_id, _line from raw.email") == [("m1", 1)]
    assert rows(con, "select customer_id, email, _line from raw.customers") == [("cust1", "a@example.com", 2)]
    assert counts(con)["quarantine"] == 0


def test_latin1_file_is_accounted_for(con, tmp_path):
    rel_json = f"email/{DAY}/latin1.jsonl"
    body = jsonl(email("m1"), json.dumps(email("m2", subject="caf\u00e9"), ensure_ascii=False), email("m3"))
    body = body.encode("latin-1")
    write(tmp_path, rel_json, body)
    rel_csv = f"customers/{DAY}/latin1.csv"
    write(
        tmp_path, rel_csv, "customer_id,email\nc1,jos\u00e9@example.com\nc2,b@example.com\n".encode("latin-1")
    )
    summary = ingest(con, tmp_path)
    assert (summary.sources["email"].rows_loaded, summary.sources["email"].rows_quarantined) == (2, 1)
    assert quarantine(con) == [
        (rel_csv, 2, "invalid encoding (not UTF-8)"),
        (rel_json, 2, "invalid encoding (not UTF-8)"),
    ]
    assert rows(con, "select message_id from raw.email order by 1") == [("m1",), ("m3",)]
    assert rows(con, "select customer_id from raw.customers") == [("c2",)]
    assert_accounting(con)


def test_unexpected_entries_are_recorded_once(con, landing):
    write(landing, "README.txt", "hello")
    write(landing, "fax/dt=2026-01-05/f.jsonl", "{}\n")
    write(landing, f"email/{DAY}/notes.csv", "a,b\n")
    write(landing, "email/loose.jsonl", jsonl(email("zz")))
    write(landing, "email/dt=2026-02-30/bad_day.jsonl", jsonl(email("zz")))
    (landing / "chat" / DAY / "part-9.jsonl").mkdir()
    summary = ingest(con, landing)
    assert sorted(summary.unexpected) == [
        "README.txt: unexpected file (not a landing source)",
        f"chat/{DAY}/part-9.jsonl: directory where a file should be",
        f"email/{DAY}/notes.csv: unexpected file (extension is not .jsonl)",
        "email/dt=2026-02-30: unexpected directory (not under a dt=YYYY-MM-DD folder)",
        "email/loose.jsonl: unexpected file (not under a dt=YYYY-MM-DD folder)",
        "fax: unexpected directory (not a landing source)",
    ]
    assert summary.sources["email"].files_unexpected == 3
    assert summary.sources["email"].rows_loaded == 3
    assert rows(
        con,
        "select source, _file, reason from raw.quarantine "
        "where _line is null and _file like 'email/%' order by 2",
    ) == [
        ("email", f"email/{DAY}/notes.csv", "unexpected file (extension is not .jsonl)"),
        ("email", "email/dt=2026-02-30", "unexpected directory (not under a dt=YYYY-MM-DD folder)"),
        ("email", "email/loose.jsonl", "unexpected file (not under a dt=YYYY-MM-DD folder)"),
    ]
    assert rows(con, "select size_bytes, rows_read from raw.file_ledger where path = 'README.txt'") == [
        (5, 0)
    ]
    before = counts(con)
    again = ingest(con, landing)
    assert again.unexpected == []
    assert counts(con) == before
    assert_accounting(con)


def test_missing_landing_root_is_an_error(con, tmp_path):
    with pytest.raises(FileNotFoundError):
        ingest(con, tmp_path / "nope")


def test_small_batches_give_the_same_result(con, landing, tmp_path):
    write(landing, f"email/{DAY}/part-1.jsonl", jsonl(email("m7"), "{oops"))
    write(landing, f"email/{DAY}/part-2.jsonl", jsonl(email("m8")))
    summary = ingest(con, landing, batch_bytes=1)  # one file per batch and transaction
    reference = duckdb.connect()
    ingest(reference, landing)
    assert summary.sources["email"].rows_loaded == 5
    assert counts(con) == counts(reference)
    assert quarantine(con) == quarantine(reference) == [(f"email/{DAY}/part-1.jsonl", 2, "broken JSON")]
    assert_accounting(con)
