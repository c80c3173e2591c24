"""The counting policy (SPEC §4): load a policy CSV, validate it, version it, hand it to dbt.

A policy is one row per channel. ``asyncwfm run --policy CSV`` validates the user's file here *before* any
model runs, then writes it to ``config.channel_policies_override`` and runs dbt with ``--vars
'{policy_override: true}'``; ``stg_seeds__channel_policies`` then reads that table instead of the seed.

Every error names the file, the 1-based data row (the first row after the header is row 1), the row's channel
and the column, e.g.::

    policy file x.csv, row 3 (channel sms), column session_gap_minutes: must be a positive number, got '-5'

Cells are trimmed; enum values and booleans are compared case-insensitively and stored lower-cased. An unknown
extra column is an error (a misspelt or newer column must not be silently ignored).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.landing import CHANNELS

OVERRIDE_SCHEMA = "config"
OVERRIDE_TABLE = "channel_policies_override"

ENUMS: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "contact_unit": ("message", "session", "thread"),
    "handle_time_basis": ("active", "elapsed"),
    "concurrency_mode": ("apportioned", "full"),
}
BOOLEANS: tuple[str, ...] = ("merge_channel_switches", "is_deferred")
INTEGERS: tuple[str, ...] = ("max_concurrency",)

# Column order of SPEC §4 (+ default_shrinkage); the same order as the policy_columns() dbt macro, which
# policy_version depends on.
POLICY_COLUMNS: tuple[str, ...] = (
    "channel",
    "contact_unit",
    "handle_time_basis",
    "concurrency_mode",
    "session_gap_minutes",
    "thread_gap_minutes",
    "switch_window_minutes",
    "merge_channel_switches",
    "is_deferred",
    "service_target_seconds",
    "service_level_goal",
    "max_occupancy",
    "max_concurrency",
    "default_shrinkage",
)


class PolicyError(Exception):
    """One problem in a policy, located by file, 1-based data row, channel and column."""

    def __init__(
        self,
        reason: str,
        *,
        source: str = "policy",
        row: int | None = None,
        channel: str | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.row = row
        self.channel = channel
        self.column = column
        self.errors: list[PolicyError] = [self]
        parts = [source]
        if row is not None:
            parts.append(f"row {row} ({'channel ' + channel if channel else 'no channel'})")
        if column is not None:
            parts.append(f"column {column}")
        super().__init__(f"{', '.join(parts)}: {reason}")

    @property
    def message(self) -> str:
        return str(self)


# --- value rules: each returns the typed value, or raises ValueError with the reason ----------------------


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _positive(text: str) -> float:
    try:
        value = _number(text)
    except ValueError:
        value = math.nan
    if not value > 0:
        raise ValueError("must be a positive number")
    return value


def _between(low: float, high: float, *, low_open: bool, high_open: bool) -> Callable[[str], float]:
    lo_sign = "<" if low_open else "≤"
    hi_sign = "<" if high_open else "≤"
    reason = f"must be a number with {low:g} {lo_sign} x {hi_sign} {high:g}"

    def rule(text: str) -> float:
        try:
            value = _number(text)
        except ValueError:
            raise ValueError(reason) from None
        low_ok = value > low if low_open else value >= low
        high_ok = value < high if high_open else value <= high
        if not (low_ok and high_ok):
            raise ValueError(reason)
        return value

    return rule


def _integer_at_least_one(text: str) -> int:
    try:
        value = _number(text)
    except ValueError:
        value = math.nan
    if not (value >= 1 and value == int(value)):
        raise ValueError("must be an integer ≥ 1")
    return int(value)


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError("must be true or false")
    return lowered == "true"


def _enum(values: tuple[str, ...]) -> Callable[[str], str]:
    def rule(text: str) -> str:
        lowered = text.lower()
        if lowered not in values:
            raise ValueError(f"must be one of {', '.join(values)}")
        return lowered

    return rule


RULES: dict[str, Callable[[str], object]] = {
    **{column: _enum(values) for column, values in ENUMS.items()},
    "session_gap_minutes": _positive,
    "thread_gap_minutes": _positive,
    "switch_window_minutes": _positive,
    "merge_channel_switches": _boolean,
    "is_deferred": _boolean,
    "service_target_seconds": _positive,
    "service_level_goal": _between(0, 1, low_open=True, high_open=True),
    "max_occupancy": _between(0, 1, low_open=True, high_open=False),
    "max_concurrency": _integer_at_least_one,
    "default_shrinkage": _between(0, 1, low_open=False, high_open=True),
}


# --- public API -----------------------------------------------------------------------------------------


def load_policy(path: Path, *, validate: bool = True) -> pd.DataFrame:
    """Read a policy CSV as text cells (trimmed; an empty cell is '').

    With ``validate`` (the default) raise ``PolicyError`` naming every problem, so that a caller can simply
    ``load_policy(path)`` before a run; ``validate=False`` returns the file as is, for ``validate_policy``.
    The file name is kept in ``df.attrs["source"]`` so that errors can name it.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PolicyError(f"cannot be read as CSV: {exc}", source=f"policy file {path}") from exc
    df.columns = [str(column).strip() for column in df.columns]
    df = df.apply(lambda column: column.str.strip())
    df.attrs["source"] = f"policy file {path}"
    if validate:
        errors = validate_policy(df)
        if errors:
            raise _combined(errors)
    return df


def validate_policy(df: pd.DataFrame) -> list[PolicyError]:
    """Every problem of a text policy (as from ``load_policy``); an empty list means valid."""
    source = str(df.attrs.get("source", "policy"))
    errors: list[PolicyError] = []
    columns = [str(column) for column in df.columns]

    for column in POLICY_COLUMNS:
        if column not in columns:
            errors.append(PolicyError("required column is missing", source=source, column=column))
    for column in columns:
        if column not in POLICY_COLUMNS:
            errors.append(
                PolicyError(
                    f"unknown column (expected only: {', '.join(POLICY_COLUMNS)})",
                    source=source,
                    column=column,
                )
            )
    for column in sorted(set(columns)):
        if columns.count(column) > 1:
            errors.append(PolicyError("column appears more than once", source=source, column=column))

    present = [column for column in POLICY_COLUMNS if column in columns]
    first_row_of_channel: dict[str, int] = {}
    for position, record in enumerate(df.to_dict("records"), start=1):
        raw_channel = _text(record.get("channel"))
        channel = raw_channel.lower() or None
        for column in present:
            text = _text(record[column])
            try:
                RULES[column](text)
            except ValueError as exc:
                errors.append(
                    PolicyError(
                        f"{exc}, got {text!r}", source=source, row=position, channel=channel, column=column
                    )
                )
        if channel in CHANNELS:
            if channel in first_row_of_channel:
                errors.append(
                    PolicyError(
                        f"duplicate row for channel {channel} (first at row {first_row_of_channel[channel]})",
                        source=source,
                        row=position,
                        channel=channel,
                        column="channel",
                    )
                )
            else:
                first_row_of_channel[channel] = position

    if "channel" in columns:
        for channel in CHANNELS:
            if channel not in first_row_of_channel:
                errors.append(
                    PolicyError(
                        f"no row for channel {channel} (one row per channel is required)",
                        source=source,
                        column="channel",
                    )
                )
    return errors


def typed_policy(df: pd.DataFrame) -> pd.DataFrame:
    """The policy with typed columns in ``POLICY_COLUMNS`` order, rows ordered by channel.

    Raises ``PolicyError`` when the policy is invalid: its message lists every problem and ``.errors``
    holds them.
    """
    errors = validate_policy(df)
    if errors:
        raise _combined(errors)
    records = [
        {column: RULES[column](_text(record[column])) for column in POLICY_COLUMNS}
        for record in df.to_dict("records")
    ]
    typed = pd.DataFrame.from_records(records, columns=list(POLICY_COLUMNS))
    typed = typed.astype(
        {
            **{column: "str" for column in ENUMS},
            **{column: "bool" for column in BOOLEANS},
            **{column: "int64" for column in INTEGERS},
            **{
                column: "float64"
                for column in POLICY_COLUMNS
                if column not in ENUMS and column not in BOOLEANS and column not in INTEGERS
            },
        }
    )
    typed = typed.sort_values("channel", ignore_index=True)
    typed.attrs["source"] = df.attrs.get("source", "policy")
    return typed


def read_policy(path: Path) -> pd.DataFrame:
    """Load, validate and type a policy CSV; raise ``PolicyError`` naming every problem."""
    return typed_policy(load_policy(path))


def policy_version(df: pd.DataFrame) -> str:
    """md5 of the policy rows, the same value as ``stg_seeds__channel_policies.policy_version``.

    Each row is its typed values as text joined by '|' in ``POLICY_COLUMNS`` order (numbers as DuckDB casts
    a DOUBLE to VARCHAR, booleans as true/false); rows ordered by channel, joined by ';'.
    """
    typed = df if _is_typed(df) else typed_policy(df)
    rows = [
        "|".join(_canonical(record[column]) for column in POLICY_COLUMNS)
        for record in typed.sort_values("channel").to_dict("records")
    ]
    return hashlib.md5(";".join(rows).encode("utf-8")).hexdigest()


def write_policy_override(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> str:
    """Validate ``df`` and (re)write ``config.channel_policies_override``; return the policy version.

    Run dbt afterwards with ``--vars '{policy_override: true}'``.
    """
    typed = df if _is_typed(df) else typed_policy(df)
    frame = typed[list(POLICY_COLUMNS)].copy()
    con.execute(f"create schema if not exists {OVERRIDE_SCHEMA}")
    con.register("asyncwfm_policy_override", frame)
    try:
        con.execute(
            f"create or replace table {OVERRIDE_SCHEMA}.{OVERRIDE_TABLE} as "
            f"select * from asyncwfm_policy_override order by channel"
        )
    finally:
        con.unregister("asyncwfm_policy_override")
    return policy_version(typed)


# --- helpers --------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _is_typed(df: pd.DataFrame) -> bool:
    return list(df.columns) == list(POLICY_COLUMNS) and pd.api.types.is_bool_dtype(df["is_deferred"])


def _canonical(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "item"):  # numpy scalar
        return _canonical(value.item())
    return str(value)


def _combined(errors: list[PolicyError]) -> PolicyError:
    """One exception for several problems: the message lists each on its own line; ``.errors`` keeps them."""
    if len(errors) == 1:
        return errors[0]
    combined = PolicyError(
        f"{len(errors)} problems:\n" + "\n".join(f"  {error}" for error in errors), source=errors[0].source
    )
    combined.errors = list(errors)
    return combined
