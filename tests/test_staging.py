"""Staging (docs/contracts.md): rename, cast to UTC, hash personal data, drop texts, deduplicate.

One `dbt build` of the staging models and seeds for the whole module, over hand-written raw rows.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingestion.schema import create_raw_tables
from orchestration.paths import DBT_PROJECT_DIR, DEFAULT_POLICY_CSV
from orchestration.policy import load_policy, policy_version, write_policy_override

HASH_KEY = "test-key-for-staging"
DEV_KEY = "asyncwfm-dev-key-change-me"
DBT = str(Path(sys.executable).parent / "dbt")

# Personal data as delivered (and as normalized): none of it may appear in any staging value.
ADDRESS = "  Ana.Customer@Example.COM "
PHONE_SMS = "+44 (20) 7946-0958"
PHONE_VOICE = "+44 20 7946 0958"
HANDLE = "@Ana_Tweets"
VISITOR = " vis-777 "
TEXTS = (
    "Refund please",
    "my card 4111 was charged twice",
    "hello it is Ana",
    "secret sms body",
    "public rant",
)
PERSONAL = (ADDRESS.strip(), "ana.customer@example.com", PHONE_SMS, PHONE_VOICE, "442079460958", "Ana_Tweets",
            "ana_tweets", "vis-777", *TEXTS)  # fmt: skip

T1 = "2026-01-05 12:00:00"  # first ingestion
T2 = "2026-01-06 12:00:00"  # a later re-delivery
LINEAGE = ("_file", "_line", "_ingested_at")

# table -> (columns, rows)
RAW_ROWS: dict[str, tuple[tuple[str, ...], list[tuple]]] = {
    "email": (
        ("message_id", "in_reply_to", "references", "ticket_id", "mailbox", "direction", "customer_address",
         "agent_id", "sent_at", "subject", "body", *LINEAGE),
        [
            # The duplicate of m1 comes in a later file, inserted first: insertion order must not decide.
            ("m1", None, [], None, "support", "inbound", ADDRESS, None, "2026-01-05T11:00:00+02:00",
             TEXTS[0], TEXTS[1], "email/dt=2026-01-06/b.jsonl", 1, T2),
            ("m1", None, [], None, "support", "inbound", ADDRESS, None, "2026-01-05T09:00:00+02:00",
             TEXTS[0], TEXTS[1], "email/dt=2026-01-05/a.jsonl", 1, T1),
            ("m2", "m1", ["m1"], None, "support", "outbound", "ana.customer@example.com", "a1",
             "2026-01-05T07:07:00Z", "Re: " + TEXTS[0], "We are on it", "email/dt=2026-01-05/a.jsonl", 2, T1),
            ("m3", "m2", ["m1", "m2"], None, "support", "inbound", ADDRESS, None, "2026-01-05 08:07:00",
             "Re: " + TEXTS[0], "thanks", "email/dt=2026-01-05/a.jsonl", 3, T1),
        ],
    ),
    "chat": (
        ("event_id", "chat_id", "queue", "event_type", "sender", "agent_id", "visitor_id", "occurred_at",
         "text", *LINEAGE),
        [
            ("e1", "ch1", "chat_support", "message", "customer", None, VISITOR, "2026-01-05T10:00:00+01:00",
             TEXTS[2], "chat/dt=2026-01-05/a.jsonl", 1, T1),
            ("e2", "ch1", "chat_support", "message", "agent", "a2", VISITOR, "2026-01-05T09:00:30Z",
             "hi, how can I help", "chat/dt=2026-01-05/a.jsonl", 2, T1),
        ],
    ),
    "sms": (
        ("sms_id", "customer_phone", "business_number", "direction", "agent_id", "sent_at", "body", *LINEAGE),
        [
            ("s1", PHONE_SMS, "+15550100", "inbound", None, "2026-01-05T09:00:00-05:00", TEXTS[3],
             "sms/dt=2026-01-05/a.csv", 2, T1),
        ],
    ),
    "social": (
        ("post_id", "platform", "conversation_id", "reply_to_post_id", "customer_handle", "direction",
         "agent_id", "created_at", "text", *LINEAGE),
        [
            ("p1", "twitter", None, None, HANDLE, "inbound", None, "2026-01-05T09:00:00Z", TEXTS[4],
             "social/dt=2026-01-05/a.jsonl", 1, T1),
        ],
    ),
    "voice": (
        ("call_id", "customer_phone", "queue", "offered_at", "answered_at", "ended_at", "agent_id",
         "hold_seconds", "wrap_seconds", "transferred_from_call_id", "origin_ref", *LINEAGE),
        [
            ("c1", PHONE_VOICE, "voice_support", "2026-01-05T09:10:00Z", "2026-01-05T09:10:20Z",
             "2026-01-05T09:15:00Z", "a3", None, "15", None, "chat:ch1", "voice/dt=2026-01-05/a.csv", 2, T1),
            ("c2", PHONE_VOICE, "voice_support", "2026-01-05T09:20:00Z", None, "2026-01-05T09:21:00Z",
             None, None, None, None, None, "voice/dt=2026-01-05/a.csv", 3, T1),
        ],
    ),
    "agent_activity": (
        ("segment_id", "agent_id", "channel", "item_id", "activity", "started_at", "ended_at", *LINEAGE),
        [
            ("g1", "a1", "email", "m1", "read", "2026-01-05T09:00:00+02:00", "2026-01-05T09:02:00+02:00",
             "agent_activity/dt=2026-01-05/a.jsonl", 1, T1),
        ],
    ),
    "agent_states": (
        ("agent_id", "state", "started_at", "ended_at", *LINEAGE),
        [
            # the same span (08:00Z = 09:00+01:00) delivered twice
            ("a1", "available", "2026-01-05T08:00:00Z", "2026-01-05T12:00:00Z",
             "agent_states/dt=2026-01-06/b.csv", 2, T2),
            ("a1", "available", "2026-01-05T09:00:00+01:00", "2026-01-05T12:00:00Z",
             "agent_states/dt=2026-01-05/a.csv", 2, T1),
        ],
    ),
    "customers": (
        ("customer_id", "email", "phone", "social_handle", "chat_visitor_id", *LINEAGE),
        [
            ("cu1", "ana.customer@example.com", "442079460958", "ana_tweets", "vis-777",
             "customers/dt=2026-01-05/a.csv", 2, T1),
        ],
    ),
}  # fmt: skip


def run_dbt(args: list[str], warehouse: Path, work: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ASYNCWFM_WAREHOUSE": str(warehouse),
        "ASYNCWFM_HASH_KEY": HASH_KEY,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        DBT, *args,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work = tmp_path_factory.mktemp("staging")
    path = work / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        for table, (columns, raw_rows) in RAW_ROWS.items():
            names = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" for _ in columns)
            con.executemany(f"insert into raw.{table} ({names}) values ({marks})", raw_rows)
    run_dbt(["build", "--select", "path:models/staging", "path:seeds"], path, work)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.execute(query).fetchall()


def keyed(normalized: str, key: str = HASH_KEY) -> str:
    return hashlib.sha256(f"{key}|{normalized}".encode()).hexdigest()


def test_every_contract_model_exists(warehouse: duckdb.DuckDBPyConnection) -> None:
    contract = Path(DBT_PROJECT_DIR.parent / "docs" / "contracts.md").read_text()
    staging = contract.split("## staging")[1].split("## marts")[0]
    expected = {
        line.split("`")[1]: line.split("|")[2].strip()
        for line in staging.splitlines()
        if line.startswith("| `stg_")
    }
    for model, columns in expected.items():
        actual = [name for (name,) in rows(warehouse, f"select column_name from (describe staging.{model})")]
        if model == "stg_seeds__channel_policies":
            assert actual[0] == "channel" and actual[-1] == "policy_version"
            continue
        assert actual == [c.strip() for c in columns.split(",")] + (
            ["source_file"] if not model.startswith("stg_seeds") else []
        ), model


def test_timestamps_are_utc(warehouse: duckdb.DuckDBPyConnection) -> None:
    sent = dict(rows(warehouse, "select message_id, sent_at from staging.stg_email__messages"))
    assert sent == {
        "m1": datetime(2026, 1, 5, 7, 0),  # +02:00
        "m2": datetime(2026, 1, 5, 7, 7),  # Z
        "m3": datetime(2026, 1, 5, 8, 7),  # naive = UTC
    }
    assert rows(warehouse, "select typeof(sent_at) from staging.stg_email__messages limit 1") == [
        ("TIMESTAMP",)
    ]
    assert rows(warehouse, "select sent_at from staging.stg_sms__messages") == [
        (datetime(2026, 1, 5, 14, 0),)
    ]
    assert rows(warehouse, "select occurred_at from staging.stg_chat__events order by event_id") == [
        (datetime(2026, 1, 5, 9, 0),),
        (datetime(2026, 1, 5, 9, 0, 30),),
    ]
    assert rows(warehouse, "select started_at, ended_at from staging.stg_agent_activity__segments") == [
        (datetime(2026, 1, 5, 7, 0), datetime(2026, 1, 5, 7, 2))
    ]


def test_duplicates_keep_the_earliest_ingested_row(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert rows(warehouse, "select count(*), any_value(source_file) from staging.stg_email__messages "
                "where message_id = 'm1'") == [(1, "email/dt=2026-01-05/a.jsonl")]  # fmt: skip
    # agent_states: same span (08:00Z = 09:00+01:00) delivered twice
    assert rows(warehouse, "select started_at, source_file from staging.stg_agent_states__spans") == [
        (datetime(2026, 1, 5, 8, 0), "agent_states/dt=2026-01-05/a.csv")
    ]


def test_hashes_match_across_sources_and_depend_on_the_key(warehouse: duckdb.DuckDBPyConnection) -> None:
    ((email_key, phone_key, handle_key, visitor_key),) = rows(
        warehouse,
        "select email_key, phone_key, handle_key, visitor_key from staging.stg_customers__identities",
    )
    assert email_key == keyed("ana.customer@example.com") != keyed("ana.customer@example.com", DEV_KEY)
    assert {k for (k,) in rows(warehouse, "select customer_key from staging.stg_email__messages")} == {
        email_key
    }
    assert rows(warehouse, "select customer_key from staging.stg_sms__messages") == [(phone_key,)]
    assert {k for (k,) in rows(warehouse, "select customer_key from staging.stg_voice__calls")} == {phone_key}
    assert phone_key == keyed("442079460958")
    assert rows(warehouse, "select customer_key from staging.stg_social__posts") == [(handle_key,)]
    assert handle_key == keyed("ana_tweets")
    assert {k for (k,) in rows(warehouse, "select visitor_key from staging.stg_chat__events")} == {
        visitor_key
    }
    assert visitor_key == keyed("vis-777")


def test_no_personal_data_in_staging(warehouse: duckdb.DuckDBPyConnection) -> None:
    tables = [name for (name,) in rows(warehouse, "select table_name from information_schema.tables "
                                                  "where table_schema = 'staging'")]  # fmt: skip
    assert len(tables) == 11
    for table in tables:
        columns = [c for (c,) in rows(warehouse, f"select column_name from (describe staging.{table})")]
        for column in columns:
            values = [
                v for (v,) in rows(warehouse, f'select cast("{column}" as varchar) from staging.{table}')
            ]
            for value in filter(None, values):
                leaked = [p for p in PERSONAL if p.lower() in value.lower()]
                assert not leaked, f"staging.{table}.{column} holds {leaked}"
    # The key itself is not in the warehouse catalog (hashing models are tables, not views).
    definitions = rows(warehouse, "select coalesce(sql, '') from duckdb_views() where not internal")
    assert not [d for (d,) in definitions if HASH_KEY in d]


def test_email_references_keep_position(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert rows(warehouse, "select message_id, referenced_message_id, reference_position "
                "from staging.stg_email__references order by 1, 3") == [
        ("m2", "m1", 1), ("m3", "m1", 1), ("m3", "m2", 2),
    ]  # fmt: skip


def test_voice_calls(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert rows(warehouse, "select call_id, hold_seconds, wrap_seconds, origin_channel, origin_item_id, "
                "is_abandoned from staging.stg_voice__calls order by call_id") == [
        ("c1", 0.0, 15.0, "chat", "ch1", False),
        ("c2", 0.0, 0.0, None, None, True),
    ]  # fmt: skip


def test_numbers_are_64_bit(warehouse: duckdb.DuckDBPyConnection) -> None:
    types = dict(rows(warehouse, "select table_name || '.' || column_name, data_type from "
                      "information_schema.columns where table_schema = 'staging'"))  # fmt: skip
    assert types["stg_voice__calls.hold_seconds"] == "DOUBLE"
    assert types["stg_seeds__channel_policies.service_level_goal"] == "DOUBLE"
    assert types["stg_seeds__channel_policies.max_concurrency"] == "INTEGER"
    assert rows(warehouse, "select service_level_goal from staging.stg_seeds__channel_policies "
                "where channel = 'voice'") == [(0.8,)]  # fmt: skip


def test_queues_seed_keeps_text_keys(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        warehouse, "select queue_id, source_key from staging.stg_seeds__queues where channel = 'sms'"
    ) == [("sms_support", "+15550100")]


def test_policy_version_matches_python(warehouse: duckdb.DuckDBPyConnection) -> None:
    versions = rows(warehouse, "select distinct policy_version from staging.stg_seeds__channel_policies")
    assert versions == [(policy_version(load_policy(DEFAULT_POLICY_CSV)),)]


def test_policy_override(tmp_path: Path) -> None:
    """`--vars '{policy_override: true}'` reads config.channel_policies_override instead of the seed."""
    policy = load_policy(DEFAULT_POLICY_CSV)
    policy.loc[policy["channel"] == "email", "contact_unit"] = "message"
    path = tmp_path / "override.duckdb"
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        version = write_policy_override(con, policy)
    run_dbt(["run", "--select", "stg_seeds__channel_policies", "--vars", "{policy_override: true}"],
            path, tmp_path)  # fmt: skip
    with duckdb.connect(str(path), read_only=True) as con:
        result = rows(con, "select contact_unit, policy_version from staging.stg_seeds__channel_policies "
                      "where channel = 'email'")  # fmt: skip
    assert result == [("message", version)]
    assert version != policy_version(load_policy(DEFAULT_POLICY_CSV))
