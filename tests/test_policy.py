"""The counting policy file (SPEC §4): "An invalid policy (unknown value, missing channel, negative gap) stops
the run before any mart is written, with a message that names the row and the column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.paths import DEFAULT_POLICY_CSV
from orchestration.policy import (
    POLICY_COLUMNS,
    PolicyError,
    load_policy,
    policy_version,
    read_policy,
    typed_policy,
    validate_policy,
    write_policy_override,
)

# Data row (1-based, after the header) of each channel in the seed.
SEED_ROW = {"email": 1, "chat": 2, "sms": 3, "social": 4, "voice": 5}


@pytest.fixture
def seed_text() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_POLICY_CSV, dtype=str, keep_default_na=False)


def write(tmp_path: Path, df: pd.DataFrame, name: str = "x.csv") -> Path:
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def messages(path: Path) -> list[str]:
    return [str(error) for error in validate_policy(load_policy(path, validate=False))]


def test_seed_policy_is_valid() -> None:
    assert validate_policy(load_policy(DEFAULT_POLICY_CSV, validate=False)) == []
    load_policy(DEFAULT_POLICY_CSV)  # does not raise
    typed = read_policy(DEFAULT_POLICY_CSV)
    assert list(typed.columns) == list(POLICY_COLUMNS)
    assert sorted(typed["channel"]) == ["chat", "email", "sms", "social", "voice"]
    assert typed["max_concurrency"].dtype == "int64"
    assert typed["is_deferred"].dtype == bool
    assert typed.set_index("channel").loc["chat", "max_concurrency"] == 3


def test_example_message_names_file_row_channel_and_column(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    seed_text.loc[seed_text["channel"] == "sms", "session_gap_minutes"] = "-5"
    path = write(tmp_path, seed_text)
    assert messages(path) == [
        f"policy file {path}, row 3 (channel sms), column session_gap_minutes: "
        "must be a positive number, got '-5'"
    ]


@pytest.mark.parametrize(
    ("channel", "column", "value", "reason"),
    [
        ("email", "contact_unit", "ticket", "must be one of message, session, thread"),
        ("chat", "handle_time_basis", "wall", "must be one of active, elapsed"),
        ("voice", "concurrency_mode", "", "must be one of apportioned, full"),
        ("social", "thread_gap_minutes", "0", "must be a positive number"),
        ("sms", "switch_window_minutes", "soon", "must be a positive number"),
        ("email", "merge_channel_switches", "yes", "must be true or false"),
        ("chat", "is_deferred", "1", "must be true or false"),
        ("voice", "service_target_seconds", "-20", "must be a positive number"),
        ("voice", "service_level_goal", "1", "must be a number with 0 < x < 1"),
        ("email", "service_level_goal", "0", "must be a number with 0 < x < 1"),
        ("chat", "max_occupancy", "1.2", "must be a number with 0 < x ≤ 1"),
        ("chat", "max_concurrency", "2.5", "must be an integer ≥ 1"),
        ("chat", "max_concurrency", "0", "must be an integer ≥ 1"),
        ("sms", "default_shrinkage", "1", "must be a number with 0 ≤ x < 1"),
        ("sms", "session_gap_minutes", "nan", "must be a positive number"),
    ],
)
def test_each_invalid_value_names_row_and_column(
    tmp_path: Path, seed_text: pd.DataFrame, channel: str, column: str, value: str, reason: str
) -> None:
    seed_text.loc[seed_text["channel"] == channel, column] = value
    path = write(tmp_path, seed_text)
    assert messages(path) == [
        f"policy file {path}, row {SEED_ROW[channel]} (channel {channel}), column {column}: "
        f"{reason}, got {value!r}"
    ]


def test_unknown_channel_and_the_missing_one(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    seed_text.loc[seed_text["channel"] == "social", "channel"] = "fax"
    path = write(tmp_path, seed_text)
    assert messages(path) == [
        f"policy file {path}, row 4 (channel fax), column channel: "
        "must be one of email, chat, sms, social, voice, got 'fax'",
        f"policy file {path}, column channel: no row for channel social (one row per channel is required)",
    ]


def test_missing_channel(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    path = write(tmp_path, seed_text[seed_text["channel"] != "voice"])
    assert messages(path) == [
        f"policy file {path}, column channel: no row for channel voice (one row per channel is required)"
    ]


def test_duplicate_channel(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    path = write(tmp_path, pd.concat([seed_text, seed_text[seed_text["channel"] == "chat"]]))
    assert messages(path) == [
        f"policy file {path}, row 6 (channel chat), column channel: "
        "duplicate row for channel chat (first at row 2)"
    ]


def test_missing_column(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    path = write(tmp_path, seed_text.drop(columns=["default_shrinkage"]))
    assert messages(path) == [f"policy file {path}, column default_shrinkage: required column is missing"]


def test_unknown_extra_column_is_an_error(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    """Decision: a misspelt or newer column must not be silently ignored."""
    path = write(tmp_path, seed_text.assign(sesion_gap_minutes="5"))
    (message,) = messages(path)
    assert message.startswith(f"policy file {path}, column sesion_gap_minutes: unknown column")


def test_cells_are_trimmed_and_case_insensitive(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    seed_text["contact_unit"] = seed_text["contact_unit"].str.upper()
    seed_text["is_deferred"] = " " + seed_text["is_deferred"].str.upper() + " "
    path = write(tmp_path, seed_text)
    assert messages(path) == []
    assert policy_version(read_policy(path)) == policy_version(read_policy(DEFAULT_POLICY_CSV))


@pytest.mark.parametrize("reader", [load_policy, read_policy])
def test_loading_raises_one_error_listing_every_problem(
    tmp_path: Path, seed_text: pd.DataFrame, reader: Callable[[Path], pd.DataFrame]
) -> None:
    seed_text.loc[seed_text["channel"] == "email", "contact_unit"] = "ticket"
    seed_text.loc[seed_text["channel"] == "sms", "session_gap_minutes"] = "-5"
    path = write(tmp_path, seed_text)
    with pytest.raises(PolicyError) as raised:
        reader(path)
    assert len(raised.value.errors) == 2
    assert str(raised.value).splitlines() == [
        f"policy file {path}: 2 problems:",
        f"  policy file {path}, row 1 (channel email), column contact_unit: "
        "must be one of message, session, thread, got 'ticket'",
        f"  policy file {path}, row 3 (channel sms), column session_gap_minutes: "
        "must be a positive number, got '-5'",
    ]


def test_loading_raises_the_single_error_itself(tmp_path: Path, seed_text: pd.DataFrame) -> None:
    path = write(tmp_path, seed_text[seed_text["channel"] != "sms"])
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert raised.value.column == "channel"
    assert str(raised.value) == (
        f"policy file {path}, column channel: no row for channel sms (one row per channel is required)"
    )


def test_unreadable_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot be read as CSV"):
        load_policy(tmp_path / "missing.csv")


def test_policy_version_changes_with_any_value(seed_text: pd.DataFrame) -> None:
    base = policy_version(seed_text)
    assert len(base) == 32
    assert policy_version(seed_text.iloc[::-1]) == base  # row order does not matter
    changed = seed_text.copy()
    changed.loc[changed["channel"] == "chat", "max_concurrency"] = "2"
    assert policy_version(changed) != base


def test_write_policy_override(seed_text: pd.DataFrame) -> None:
    seed_text.loc[seed_text["channel"] == "email", "contact_unit"] = "message"
    con = duckdb.connect()
    version = write_policy_override(con, seed_text)
    assert version == policy_version(typed_policy(seed_text))
    rows = con.execute(
        "select channel, contact_unit, max_concurrency, is_deferred from config.channel_policies_override"
    ).fetchall()
    assert rows[1] == ("email", "message", 1, True)
    assert len(rows) == 5
    write_policy_override(con, seed_text)  # replaces, does not append
    assert con.execute("select count(*) from config.channel_policies_override").fetchall() == [(5,)]


def test_write_policy_override_refuses_an_invalid_policy(seed_text: pd.DataFrame) -> None:
    con = duckdb.connect()
    with pytest.raises(PolicyError, match="no row for channel voice"):
        write_policy_override(con, seed_text[seed_text["channel"] != "voice"])
    assert con.execute(
        "select count(*) from information_schema.tables where table_schema = 'config'"
    ).fetchall() == [(0,)]
