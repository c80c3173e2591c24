"""The data-quality suites of SPEC §8: what each expectation measures in SQL and how GX judges it.

Every check is one named expectation on one table. Its ``measure`` pushes the row-heavy work into DuckDB
and returns a *small* pandas frame plus the GX expectation that judges it (run by data_quality/runner.py):

- row-level questions on big tables (ids unique, fields not null, timestamps in window, ended ≥ started,
  segment → item) are aggregated in SQL to one row ``n_rows, n_failed, failed_share`` and GX judges
  ``failed_share`` with ``ExpectColumnValuesToBeBetween(max_value=allowed_share)``; the failing-row count and
  a few failing ids come from the same SQL. A 10 M-row raw table never enters pandas.
- naturally small frames are judged row by row: one row per landed file (ledger), per source and landing
  day (quarantine share), per source and event day (volume), per agent (peak concurrency), per distinct
  queue key (mapping).

Severity (blocking / warning / off) and tolerances come from data_quality/gates.yml (data_quality/config.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from data_quality.config import GateConfig
from data_quality.scope import NEW_FILES_TABLE, RawScope
from orchestration.landing import REDACTED_REASON_SQL, SOURCES
from orchestration.sqltext import identifier as _q

# The suites, in the order they run; each becomes one blocking Dagster asset check.
SUITES: dict[str, str] = {
    "raw_ledger": "every landed file is accounted for: rows read = loaded + quarantined; quarantine share",
    "raw_ids": "ids are unique per source in raw (identical re-deliveries are a warning, conflicts block)",
    "raw_timestamps": "timestamps parse and lie within the landing day ± tolerance",
    "staging": "staged ids unique, required fields present, ended_at ≥ started_at",
    "referential": "every agent work segment is attributed to an item that exists",
    "concurrency": "no agent holds more simultaneous chats than max_concurrency + tolerance",
    "queues": "every queue key maps to a queue of the queues seed",
    "volume": "the daily volume of each source lies within a band of its recent same-weekday history",
}

# staging model and key per landing source (docs/contracts.md)
STAGING: dict[str, tuple[str, tuple[str, ...]]] = {
    "email": ("stg_email__messages", ("message_id",)),
    "chat": ("stg_chat__events", ("event_id",)),
    "sms": ("stg_sms__messages", ("sms_id",)),
    "social": ("stg_social__posts", ("post_id",)),
    "voice": ("stg_voice__calls", ("call_id",)),
    "agent_activity": ("stg_agent_activity__segments", ("segment_id",)),
    "agent_states": ("stg_agent_states__spans", ("agent_id", "started_at")),
    "customers": ("stg_customers__identities", ("customer_id",)),
}
# raw field -> staged column, where staging renames (personal data is hashed into *_key)
STAGED_NAME = {
    "customer_address": "customer_key",
    "customer_phone": "customer_key",
    "customer_handle": "customer_key",
    "visitor_id": "visitor_key",
}
# the item each channel's work segments point at (SPEC §2: item_id)
ITEM_TABLES: dict[str, tuple[str, str]] = {
    "email": ("staging.stg_email__messages", "message_id"),
    "chat": ("staging.stg_chat__events", "chat_id"),
    "sms": ("staging.stg_sms__messages", "sms_id"),
    "social": ("staging.stg_social__posts", "post_id"),
    "voice": ("staging.stg_voice__calls", "call_id"),
}
# the column of each channel that names its queue (SPEC §2: Queues)
QUEUE_KEYS: dict[str, tuple[str, str]] = {
    "email": ("staging.stg_email__messages", "mailbox"),
    "chat": ("staging.stg_chat__events", "queue"),
    "sms": ("staging.stg_sms__messages", "business_number"),
    "social": ("staging.stg_social__posts", "platform"),
    "voice": ("staging.stg_voice__calls", "queue"),
}
QUEUES_TABLE = "staging.stg_seeds__queues"
POLICIES_TABLE = "staging.stg_seeds__channel_policies"
LEDGER_TABLE = "raw.file_ledger"
QUARANTINE_TABLE = "raw.quarantine"


def staged_tables() -> list[str]:
    """Every staging relation the suites read (the gate asset depends on these dbt models)."""
    names = [f"staging.{model}" for model, _ in STAGING.values()]
    return [*names, QUEUES_TABLE, POLICIES_TABLE]


@dataclass(frozen=True)
class Expectation:
    """A GX expectation by class name (``great_expectations.expectations.<gx_type>``), built lazily."""

    gx_type: str
    kwargs: dict[str, Any]

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items() if k != "value_set")
        return f"{self.gx_type}({args})"


@dataclass(frozen=True)
class Measured:
    """What SQL measured: the small frame GX judges, and the numbers the gate reports."""

    frame: pd.DataFrame
    expectation: Expectation
    element_count: int  # rows (or files, agents, days) checked
    unexpected_count: int | None  # rows that failed; None: take GX's unexpected_count
    observed_value: str
    examples: list[str] = field(default_factory=list)


@dataclass
class MeasureContext:
    con: duckdb.DuckDBPyConnection
    config: GateConfig
    cache: dict[str, Any] = field(default_factory=dict)
    scope: RawScope | None = None  # None: every raw row is judged (data_quality/scope.py)

    def new_rows_only(self, check: Check) -> bool:
        """Judge only the rows of files not judged before (the check found no failing row last time)."""
        return self.scope is not None and self.scope.judges_new_only(check.suite, check.name, check.table)

    def new_rows(self) -> str:
        """SQL predicate on raw rows (and raw.quarantine): the row belongs to a file not judged before.

        The ``_ingested_at`` bound is implied by the file list (a file's rows carry its ledger loaded_at), but
        as a constant it lets DuckDB skip the older row groups by their min/max instead of probing every row.
        """
        assert self.scope is not None and self.scope.new_files is not None
        stamps = [loaded_at for _, loaded_at in self.scope.new_files]
        if not stamps:
            return "false"
        predicate = f"_file in (select path from {NEW_FILES_TABLE})"
        if all(stamp is not None for stamp in stamps):
            predicate += f" and _ingested_at >= timestamp '{min(stamps).isoformat(sep=' ')}'"
        return predicate

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def max_examples(self) -> int:
        return int(self.config.tolerance("max_examples"))


@dataclass(frozen=True)
class Check:
    suite: str
    name: str
    table: str
    description: str
    reads: tuple[str, ...]
    measure: Callable[[MeasureContext, Check], Measured]


# --------------------------------------------------------------------------------------------- helpers


def _pct(part: float, whole: float) -> str:
    return f"{part:,.0f} of {whole:,.0f} rows ({(100.0 * part / whole) if whole else 0.0:.2f} %)"


def share_judged(
    ctx: MeasureContext, check: Check, n_rows: int, n_failed: int, examples: list[str], what: str = ""
) -> Measured:
    """Row-level question answered in SQL: GX judges the failed share against the allowed share."""
    share = (n_failed / n_rows) if n_rows else 0.0
    frame = pd.DataFrame({"n_rows": [n_rows], "n_failed": [n_failed], "failed_share": [share]})
    allowed = ctx.config.allowed_share(check.name, check.table)
    expectation = Expectation(
        "ExpectColumnValuesToBeBetween", {"column": "failed_share", "min_value": 0.0, "max_value": allowed}
    )
    observed = f"{_pct(n_failed, n_rows)} {what}".strip()
    return Measured(frame, expectation, n_rows, n_failed, observed, examples[: ctx.max_examples])


def _dt_expr(file_column: str = "_file") -> str:
    return f"try_cast(regexp_extract({file_column}, 'dt=(\\d{{4}}-\\d{{2}}-\\d{{2}})', 1) as date)"


def _ts_expr(column: str) -> str:
    """Raw ISO 8601 text -> UTC timestamp (offset honoured; naive = UTC, the session runs in UTC)."""
    return f"timezone('UTC', try_cast({_q(column)} as timestamptz))"


def _key_text(columns: tuple[str, ...]) -> str:
    return " || '|' || ".join(f"coalesce(cast({_q(c)} as varchar), '∅')" for c in columns)


def _raw_key(source: str) -> tuple[str, ...]:
    spec = SOURCES[source]
    return (spec.id_field,) if spec.id_field else STAGING[source][1]


# ------------------------------------------------------------------------------------------ raw_ledger


def _ledger_rows_reconcile(ctx: MeasureContext, check: Check) -> Measured:
    frame = ctx.frame(
        f"""
        select path, source, rows_read,
               coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0) as rows_accounted,
               rows_loaded, rows_quarantined
        from {LEDGER_TABLE} order by path
        """
    )
    frame["rows_read"] = frame["rows_read"].fillna(-1)
    bad = frame[frame["rows_read"] != frame["rows_accounted"]]
    allowed = ctx.config.allowed_share(check.name, check.table)
    expectation = Expectation(
        "ExpectColumnPairValuesToBeEqual",
        {"column_A": "rows_read", "column_B": "rows_accounted", "mostly": 1.0 - allowed},
    )
    examples = [
        f"{r.path}: read {r.rows_read}, loaded {r.rows_loaded} + quarantined {r.rows_quarantined}"
        for r in bad.head(ctx.max_examples).itertuples()
    ]
    missing = int((bad["rows_read"] - bad["rows_accounted"]).abs().sum())
    observed = f"{len(bad)} of {len(frame)} files do not reconcile ({missing} rows unaccounted)"
    return Measured(
        frame[["path", "rows_read", "rows_accounted"]], expectation, len(frame), missing, observed, examples
    )


def _ledger_matches_tables(ctx: MeasureContext, check: Check) -> Measured:
    new_only = ctx.new_rows_only(check)
    rows = ctx.new_rows() if new_only else "true"
    union = " union all ".join(
        f"select _file, count(*) as n from raw.{_q(source)} where {rows} group by _file" for source in SOURCES
    )
    loaded, quarantined = "coalesce(t.n, 0)", "coalesce(q.n, 0)"
    if new_only:  # a file judged before matched its rows then, and its rows have not changed since
        is_new = f"l.path in (select path from {NEW_FILES_TABLE})"
        loaded = f"case when {is_new} then {loaded} else coalesce(l.rows_loaded, 0) end"
        quarantined = f"case when {is_new} then {quarantined} else coalesce(l.rows_quarantined, 0) end"
    frame = ctx.frame(
        f"""
        with loaded as ({union}),
        quarantined as (  -- _line null: a stray entry, not a row of the file (ledger counts 0 rows)
            select _file, count(*) as n from {QUARANTINE_TABLE}
            where _line is not null and {rows}
            group by _file
        )
        select l.path,
               coalesce(l.rows_loaded, 0) as ledger_loaded, {loaded} as table_loaded,
               coalesce(l.rows_quarantined, 0) as ledger_quarantined, {quarantined} as table_quarantined,
               coalesce(l.rows_loaded, 0) + coalesce(l.rows_quarantined, 0) as ledger_rows,
               {loaded} + {quarantined} as table_rows
        from {LEDGER_TABLE} l
        left join loaded t on t._file = l.path
        left join quarantined q on q._file = l.path
        order by l.path
        """
    )
    bad = frame[
        (frame["ledger_loaded"] != frame["table_loaded"])
        | (frame["ledger_quarantined"] != frame["table_quarantined"])
    ]
    allowed = ctx.config.allowed_share(check.name, check.table)
    # one column pair is enough for GX: a file whose loaded or quarantined count differs gets table_rows = -1
    judged = frame[["path", "ledger_rows", "table_rows"]].copy()
    judged.loc[bad.index, "table_rows"] = -1
    expectation = Expectation(
        "ExpectColumnPairValuesToBeEqual",
        {"column_A": "ledger_rows", "column_B": "table_rows", "mostly": 1.0 - allowed},
    )
    examples = [
        f"{r.path}: ledger loaded {r.ledger_loaded} / raw has {r.table_loaded}, "
        f"ledger quarantined {r.ledger_quarantined} / quarantine has {r.table_quarantined}"
        for r in bad.head(ctx.max_examples).itertuples()
    ]
    diff = int(
        (
            (bad["ledger_loaded"] - bad["table_loaded"]).abs()
            + (bad["ledger_quarantined"] - bad["table_quarantined"]).abs()
        ).sum()
    )
    observed = f"{len(bad)} of {len(frame)} files differ from the rows in raw ({diff} rows)"
    return Measured(judged, expectation, len(frame), diff, observed, examples)


def _quarantine_frame(ctx: MeasureContext) -> pd.DataFrame:
    return ctx.cached(
        "quarantine_share",
        lambda: ctx.frame(
            f"""
            with ledger as (
                select source, {_dt_expr("path")} as dt, sum(rows_read) as rows_read,
                       sum(rows_quarantined) as rows_quarantined
                from {LEDGER_TABLE} group by all
            ),
            reasons as (
                -- reasons may quote the offending value (personal data): keep the reason, withhold the value
                select source, {_dt_expr()} as dt,
                       mode({REDACTED_REASON_SQL}) as top_reason
                from {QUARANTINE_TABLE} group by all
            )
            select l.source, cast(l.dt as varchar) as dt, l.rows_read, l.rows_quarantined,
                   coalesce(l.rows_quarantined / nullif(l.rows_read, 0), 0) as quarantine_share,
                   r.top_reason
            from ledger l left join reasons r on r.source = l.source and r.dt is not distinct from l.dt
            order by l.source, l.dt
            """
        ),
    )


def _quarantine_share(level: str) -> Callable[[MeasureContext, Check], Measured]:
    def measure(ctx: MeasureContext, check: Check) -> Measured:
        source = check.table.split(".", 1)[1]
        all_days = _quarantine_frame(ctx)
        frame = all_days[all_days["source"] == source].reset_index(drop=True)
        limit = ctx.config.tolerance(f"quarantine_share_{level}")
        expectation = Expectation(
            "ExpectColumnValuesToBeBetween",
            {"column": "quarantine_share", "min_value": 0.0, "max_value": limit},
        )
        bad = frame[frame["quarantine_share"] > limit]
        examples = [
            f"dt={r.dt}: {int(r.rows_quarantined)} of {int(r.rows_read)} rows quarantined"
            + (f" (mostly: {r.top_reason})" if isinstance(r.top_reason, str) else "")
            for r in bad.head(ctx.max_examples).itertuples()
        ]
        read = int(frame["rows_read"].fillna(0).sum())
        quarantined = int(frame["rows_quarantined"].fillna(0).sum())
        observed = f"{_pct(quarantined, read)} quarantined; {len(bad)} landing days above {limit:.2%}"
        return Measured(
            frame[["dt", "quarantine_share"]],
            expectation,
            read,
            int(bad["rows_quarantined"].sum()),
            observed,
            examples,
        )

    return measure


# --------------------------------------------------------------------------------------------- raw_ids


def _raw_duplicates(ctx: MeasureContext, source: str, new_only: bool) -> dict[str, Any]:
    """Repeated keys of raw.<source>; ``new_only``: the keys of the new files' rows, repeated anywhere."""

    def compute() -> dict[str, Any]:
        spec = SOURCES[source]
        key = _raw_key(source)
        content = [f for f in spec.fields if f not in key]
        key_cols = ", ".join(_q(c) for c in key)
        n = ctx.max_examples
        same_key = " and ".join(f"keys.{_q(c)} is not distinct from raw_rows.{_q(c)}" for c in key)
        if new_only:
            # The keys the new rows carry, counted over every row (a new row repeating an old id is caught);
            # a key only older rows carry was judged then and had no repeat. Keys seen once add nothing below.
            keys = f"select distinct {key_cols} from raw.{_q(source)} where {ctx.new_rows()}"
        else:
            # Find the repeated keys first (a plain group by), then hash the contents of their rows only: a
            # distinct count over every raw row was 4-6x slower (chat at 10 M events: 4.6 s -> 1.0 s).
            keys = f"select {key_cols} from raw.{_q(source)} group by {key_cols} having count(*) > 1"
        row = ctx.rows(
            f"""
            with keys as ({keys}),
            per_key as (
                select {_key_text(key)} as key_text, count(*) as n,
                       count(distinct hash({", ".join(_q(c) for c in content)})) as versions
                from raw.{_q(source)} as raw_rows
                where exists (select 1 from keys where {same_key})
                group by {", ".join("raw_rows." + _q(c) for c in key)}
            )
            select
                (select count(*) from raw.{_q(source)}) as n_rows,
                coalesce(sum(n) filter (where versions > 1), 0) as conflicting_rows,
                count(*) filter (where versions > 1) as conflicting_ids,
                coalesce(sum(n - versions), 0) as identical_rows,
                count(*) filter (where n > versions) as identical_ids,
                (list(key_text order by key_text) filter (where versions > 1))[1:{n}] as conflicting_examples,
                (list(key_text order by key_text) filter (where n > versions))[1:{n}] as identical_examples
            from per_key
            """
        )[0]
        names = [
            "n_rows",
            "conflicting_rows",
            "conflicting_ids",
            "identical_rows",
            "identical_ids",
            "conflicting_examples",
            "identical_examples",
        ]
        return dict(zip(names, row, strict=True))

    return ctx.cached(f"dups:{source}:{new_only}", compute)


def _id_conflicting(ctx: MeasureContext, check: Check) -> Measured:
    source = check.table.split(".", 1)[1]
    d = _raw_duplicates(ctx, source, ctx.new_rows_only(check))
    what = f"share an id with different content ({d['conflicting_ids']} ids)"
    return share_judged(
        ctx, check, d["n_rows"], int(d["conflicting_rows"]), list(d["conflicting_examples"] or []), what
    )


def _id_identical(ctx: MeasureContext, check: Check) -> Measured:
    source = check.table.split(".", 1)[1]
    d = _raw_duplicates(ctx, source, ctx.new_rows_only(check))
    what = f"are identical re-deliveries of {d['identical_ids']} ids (staging keeps one)"
    return share_judged(
        ctx, check, d["n_rows"], int(d["identical_rows"]), list(d["identical_examples"] or []), what
    )


# ---------------------------------------------------------------------------------------- raw_timestamps


def _row_count(ctx: MeasureContext, table: str) -> int:
    return int(ctx.cached(f"count:{table}", lambda: ctx.rows(f"select count(*) from {table}")[0][0]))


def _raw_timestamps(ctx: MeasureContext, source: str, new_only: bool) -> dict[str, Any]:
    """Timestamp failures of raw.<source>; ``new_only``: in the new files' rows (n_rows: the whole table)."""

    def compute() -> dict[str, Any]:
        spec = SOURCES[source]
        first = spec.timestamps[0]
        before = int(ctx.config.tolerance("timestamp_days_before") * 86400)
        after = int(ctx.config.tolerance("timestamp_hours_after") * 3600)
        parsed = ", ".join(f"{_ts_expr(c)} as {_q(c + '__ts')}" for c in spec.timestamps)
        unparsed = " or ".join(f"({_q(c)} is not null and {_q(c + '__ts')} is null)" for c in spec.timestamps)
        outside = " or ".join(f"{_q(c + '__ts')} < lo or {_q(c + '__ts')} >= hi" for c in spec.timestamps)
        first_bad = (
            "coalesce("
            + ", ".join(
                f"case when {_q(c + '__ts')} < lo or {_q(c + '__ts')} >= hi then '{c}=' || {_q(c)} end"
                for c in spec.timestamps
            )
            + ")"
        )
        first_unparsed = (
            "coalesce("
            + ", ".join(
                f"case when {_q(c)} is not null and {_q(c + '__ts')} is null then '{c}=' || {_q(c)} end"
                for c in spec.timestamps
            )
            + ")"
        )
        n = ctx.max_examples
        row = ctx.rows(
            f"""
            with parsed as (
                select _file, _line, {", ".join(_q(c) for c in spec.timestamps)}, {parsed},
                       cast({_dt_expr()} as timestamp) - interval ({before}) second as lo,
                       cast({_dt_expr()} as timestamp) + interval 1 day + interval ({after}) second as hi
                from raw.{_q(source)}
                where {ctx.new_rows() if new_only else "true"}
            ),
            flagged as (
                select _file, _line, {unparsed} as is_unparsed, coalesce({outside}, false) as is_outside,
                       coalesce(cast({_q(first + "__ts")} as date) < {_dt_expr()}, false) as is_late,
                       {_q(first)} as first_value,
                       {first_bad} as bad_value, {first_unparsed} as unparsed_value
                from parsed
            )
            select count(*) as n_rows,
                   count(*) filter (where is_unparsed) as n_unparsed,
                   count(*) filter (where is_outside) as n_outside,
                   count(*) filter (where is_late) as n_late,
                   (list(_file || ':' || _line || ' {first}=' || first_value order by _file, _line)
                        filter (where is_late))[1:{n}] as late_examples,
                   (list(_file || ':' || _line || ' ' || unparsed_value order by _file, _line)
                        filter (where is_unparsed))[1:{n}] as unparsed_examples,
                   (list(_file || ':' || _line || ' ' || bad_value order by _file, _line)
                        filter (where is_outside))[1:{n}] as outside_examples
            from flagged
            """
        )[0]
        names = [
            "n_rows",
            "n_unparsed",
            "n_outside",
            "n_late",
            "late_examples",
            "unparsed_examples",
            "outside_examples",
        ]
        result = dict(zip(names, row, strict=True))
        if new_only:  # the older rows were judged and none failed: the whole table's count is the denominator
            result["n_rows"] = _row_count(ctx, f"raw.{_q(source)}")
        return result

    return ctx.cached(f"ts:{source}:{new_only}", compute)


def _timestamps_parse(ctx: MeasureContext, check: Check) -> Measured:
    d = _raw_timestamps(ctx, check.table.split(".", 1)[1], ctx.new_rows_only(check))
    return share_judged(
        ctx,
        check,
        d["n_rows"],
        int(d["n_unparsed"]),
        list(d["unparsed_examples"] or []),
        "have a timestamp that does not parse",
    )


def _timestamps_window(ctx: MeasureContext, check: Check) -> Measured:
    d = _raw_timestamps(ctx, check.table.split(".", 1)[1], ctx.new_rows_only(check))
    before = ctx.config.tolerance("timestamp_days_before")
    after = ctx.config.tolerance("timestamp_hours_after")
    what = f"have a timestamp outside [dt − {before:g} d, dt + 1 d + {after:g} h)"
    return share_judged(ctx, check, d["n_rows"], int(d["n_outside"]), list(d["outside_examples"] or []), what)


def _rows_on_time(ctx: MeasureContext, check: Check) -> Measured:
    source = check.table.split(".", 1)[1]
    d = _raw_timestamps(ctx, source, ctx.new_rows_only(check))
    what = f"arrived after their day ({SOURCES[source].timestamps[0]} before the dt= export day; accepted)"
    return share_judged(ctx, check, d["n_rows"], int(d["n_late"]), list(d["late_examples"] or []), what)


# -------------------------------------------------------------------------------------------- staging


def _id_unique(ctx: MeasureContext, check: Check) -> Measured:
    source = next(s for s, (model, _) in STAGING.items() if f"staging.{model}" == check.table)
    key = STAGING[source][1]
    n = ctx.max_examples
    row = ctx.rows(
        f"""
        with per_key as (
            select {_key_text(key)} as key_text, count(*) as n from {check.table}
            group by {", ".join(_q(c) for c in key)}
        )
        select coalesce(sum(n), 0), coalesce(sum(n) filter (where n > 1), 0),
               (list(key_text order by key_text) filter (where n > 1))[1:{n}]
        from per_key
        """
    )[0]
    return share_judged(ctx, check, int(row[0]), int(row[1]), list(row[2] or []), f"share a {'+'.join(key)}")


def _required_not_null(ctx: MeasureContext, check: Check) -> Measured:
    source = next(s for s, (model, _) in STAGING.items() if f"staging.{model}" == check.table)
    key = STAGING[source][1]
    columns = list(dict.fromkeys(STAGED_NAME.get(c, c) for c in SOURCES[source].required))
    any_null = " or ".join(f"{_q(c)} is null" for c in columns)
    first_null = "coalesce(" + ", ".join(f"case when {_q(c)} is null then '{c}' end" for c in columns) + ")"
    n = ctx.max_examples
    row = ctx.rows(
        f"""
        select count(*), count(*) filter (where {any_null}),
               (list({_key_text(key)} || ' (' || {first_null} || ' is null)' order by {_key_text(key)})
                    filter (where {any_null}))[1:{n}]
        from {check.table}
        """
    )[0]
    return share_judged(
        ctx,
        check,
        int(row[0]),
        int(row[1]),
        list(row[2] or []),
        f"miss a required field ({', '.join(columns)})",
    )


ORDERED_SPANS: dict[str, tuple[str, str]] = {
    "staging.stg_agent_activity__segments": ("segment_id", "started_at > ended_at"),
    "staging.stg_agent_states__spans": (
        "agent_id || '@' || cast(started_at as varchar)",
        "started_at > ended_at",
    ),
    "staging.stg_voice__calls": (
        "call_id",
        "offered_at > ended_at or answered_at < offered_at or answered_at > ended_at",
    ),
}


def _ended_not_before_started(ctx: MeasureContext, check: Check) -> Measured:
    label, wrong = ORDERED_SPANS[check.table]
    n = ctx.max_examples
    row = ctx.rows(
        f"""
        select count(*), count(*) filter (where {wrong}),
               (list({label} order by {label}) filter (where {wrong}))[1:{n}]
        from {check.table}
        """
    )[0]
    what = "end before they start" + (
        " (or are answered outside [offered, ended])" if "voice" in check.table else ""
    )
    return share_judged(ctx, check, int(row[0]), int(row[1]), list(row[2] or []), what)


# ----------------------------------------------------------------------------------------- referential


def _segment_item_exists(ctx: MeasureContext, check: Check) -> Measured:
    items = " union all ".join(
        f"select '{channel}' as channel, {_q(col)} as item_id from {table}"
        for channel, (table, col) in ITEM_TABLES.items()
    )
    n = ctx.max_examples
    row = ctx.rows(
        f"""
        with items as (select distinct channel, item_id from ({items})),
        orphans as (
            select s.segment_id, s.channel, s.item_id
            from {check.table} s
            anti join items i on i.channel = s.channel and i.item_id = s.item_id
        )
        select (select count(*) from {check.table}), count(*),
               (list(segment_id || ' → ' || coalesce(channel, '∅') || ':' || coalesce(item_id, '∅')
                     order by segment_id))[1:{n}]
        from orphans
        """
    )[0]
    return share_judged(
        ctx, check, int(row[0]), int(row[1]), list(row[2] or []), "point at no known item of their channel"
    )


# ----------------------------------------------------------------------------------------- concurrency


def _chat_concurrency(ctx: MeasureContext, check: Check) -> Measured:
    limit_row = ctx.rows(f"select max(max_concurrency) from {POLICIES_TABLE} where channel = 'chat'")
    max_concurrency = int(limit_row[0][0]) if limit_row and limit_row[0][0] is not None else 1
    limit = max_concurrency + int(ctx.config.tolerance("concurrency_extra_chats"))
    # Overlapping segments of the same chat count once: merge them per (agent, chat) first, then sweep.
    frame = ctx.frame(
        f"""
        with seg as (
            select agent_id, item_id, started_at, ended_at
            from {check.table}
            where channel = 'chat' and started_at is not null and ended_at > started_at
        ),
        marked as (
            select *, case when started_at <= max(ended_at) over (
                        partition by agent_id, item_id order by started_at, ended_at
                        rows between unbounded preceding and 1 preceding) then 0 else 1 end as is_new
            from seg
        ),
        islands as (
            select agent_id, item_id, min(started_at) as started_at, max(ended_at) as ended_at
            from (select *, sum(is_new) over (partition by agent_id, item_id order by started_at, ended_at
                                              rows unbounded preceding) as island from marked)
            group by agent_id, item_id, island
        ),
        deltas as (
            select agent_id, started_at as event_at, 1 as delta from islands
            union all
            select agent_id, ended_at as event_at, -1 as delta from islands
        ),
        running as (
            select agent_id, event_at,
                   sum(delta) over (partition by agent_id order by event_at, delta rows unbounded preceding)
                       as open_chats
            from deltas
        )
        select agent_id, max(open_chats) as peak_chats, arg_max(event_at, open_chats) as peak_at
        from running group by agent_id order by agent_id
        """
    )
    segments = int(ctx.rows(f"select count(*) from {check.table} where channel = 'chat'")[0][0])
    allowed = ctx.config.allowed_share(check.name, check.table)
    expectation = Expectation(
        "ExpectColumnValuesToBeBetween",
        {"column": "peak_chats", "min_value": 0, "max_value": limit, "mostly": 1.0 - allowed},
    )
    bad = frame[frame["peak_chats"] > limit].sort_values("peak_chats", ascending=False)
    examples = [
        f"agent {r.agent_id}: {int(r.peak_chats)} chats at {r.peak_at}"
        for r in bad.head(ctx.max_examples).itertuples()
    ]
    peak = int(frame["peak_chats"].max()) if len(frame) else 0
    observed = (
        f"{len(bad)} of {len(frame)} agents above {limit} simultaneous chats "
        f"(max_concurrency {max_concurrency}); peak {peak}; {segments:,} chat segments"
    )
    return Measured(frame[["agent_id", "peak_chats"]], expectation, len(frame), len(bad), observed, examples)


# --------------------------------------------------------------------------------------------- queues


def _queue_key_mapped(ctx: MeasureContext, check: Check) -> Measured:
    channel = next(c for c, (table, _) in QUEUE_KEYS.items() if table == check.table)
    column = QUEUE_KEYS[channel][1]
    known = [
        r[0] for r in ctx.rows(f"select distinct source_key from {QUEUES_TABLE} where channel = ?", [channel])
    ]
    frame = ctx.frame(
        f"select {_q(column)} as source_key, count(*) as n_rows from {check.table} "
        "group by all order by n_rows desc"
    )
    frame["source_key"] = frame["source_key"].fillna("∅")
    allowed = ctx.config.allowed_share(check.name, check.table)
    expectation = Expectation(
        "ExpectColumnValuesToBeInSet", {"column": "source_key", "value_set": known, "mostly": 1.0 - allowed}
    )
    bad = frame[~frame["source_key"].isin(known)]
    n_rows = int(frame["n_rows"].sum())
    n_failed = int(bad["n_rows"].sum())
    examples = [
        f"{column}={r.source_key!s} ({int(r.n_rows)} rows)" for r in bad.head(ctx.max_examples).itertuples()
    ]
    observed = f"{len(bad)} unmapped {column} keys carrying {_pct(n_failed, n_rows)}"
    return Measured(frame[["source_key"]], expectation, n_rows, n_failed, observed, examples)


def _queue_seed_keys_unique(ctx: MeasureContext, check: Check) -> Measured:
    frame = ctx.frame(f"select channel || ':' || source_key as channel_key, queue_id from {check.table}")
    expectation = Expectation("ExpectColumnValuesToBeUnique", {"column": "channel_key"})
    dup = frame[frame["channel_key"].duplicated(keep=False)]
    examples = [f"{k} → {', '.join(sorted(g['queue_id']))}" for k, g in dup.groupby("channel_key")][
        : ctx.max_examples
    ]
    observed = f"{dup['channel_key'].nunique()} (channel, source_key) pairs map to more than one queue"
    return Measured(frame[["channel_key"]], expectation, len(frame), len(dup), observed, examples)


# --------------------------------------------------------------------------------------------- volume


def volume_first_file_day(ctx: MeasureContext) -> dt.date | None:
    """The earliest landing day (dt) whose files can change a reported volume (None: no ledger rows).

    Only the judged days (the last ``volume_judged_days``) and their ``volume_weeks`` same-weekday history
    are reported. A row is counted when it lies in [dt - days_before, dt + 1 day + hours_after), so event day
    D gets rows from files with dt >= D - 1 day - ceil(hours_after / 1 day): the files before that bound are
    not read, and every reported day's count and history stay exactly as with every file read.
    """
    last_day = ctx.rows(f"select max({_dt_expr('path')}) from {LEDGER_TABLE}")[0][0]
    if last_day is None:
        return None
    judged_days = int(ctx.config.tolerance("volume_judged_days"))
    weeks = int(ctx.config.tolerance("volume_weeks"))
    first_history_day = last_day - dt.timedelta(days=judged_days - 1 + 7 * weeks)
    after_days = -(-int(ctx.config.tolerance("timestamp_hours_after") * 3600) // 86400)  # ceil
    return first_history_day - dt.timedelta(days=1 + after_days)


def _daily_volumes(ctx: MeasureContext) -> pd.DataFrame:
    """Distinct ids per source and UTC event day, on a spine of landing days (missing days count 0)."""

    def compute() -> pd.DataFrame:
        before = int(ctx.config.tolerance("timestamp_days_before") * 86400)
        after = int(ctx.config.tolerance("timestamp_hours_after") * 3600)
        weeks = int(ctx.config.tolerance("volume_weeks"))
        judged_days = int(ctx.config.tolerance("volume_judged_days"))
        first_file_day = volume_first_file_day(ctx)
        recent = "true"
        if first_file_day is not None:
            recent = (
                f"_file in (select path from {LEDGER_TABLE} "
                f"where {_dt_expr('path')} >= date '{first_file_day.isoformat()}')"
            )
        parts = []
        for source, spec in SOURCES.items():
            if not spec.timestamps:
                continue
            key_columns = _raw_key(source)
            key = _q(key_columns[0]) if len(key_columns) == 1 else _key_text(key_columns)
            parts.append(
                f"""
                select '{source}' as source, cast(ts as date) as day, count(distinct k) as n
                from (
                    select {_ts_expr(spec.timestamps[0])} as ts, cast({_dt_expr()} as timestamp) as dt,
                           {key} as k
                    from raw.{_q(source)}
                    where {recent}
                )
                where ts >= dt - interval ({before}) second
                  and ts < dt + interval 1 day + interval ({after}) second
                group by all
                """
            )
        sources = ", ".join(f"('{s}')" for s, spec in SOURCES.items() if spec.timestamps)
        history = ", ".join(f"lag(n, {7 * k}) over w" for k in range(1, weeks + 1))
        return ctx.frame(
            f"""
            with counts as ({" union all ".join(parts)}),
            landing as (
                select min({_dt_expr("path")}) as first_day, max({_dt_expr("path")}) as last_day
                from {LEDGER_TABLE}
            ),
            spine as (
                select s.source, cast(d.day as date) as day
                from (values {sources}) s(source),
                     landing,
                     range(landing.first_day, landing.last_day + interval 1 day, interval 1 day) d(day)
            ),
            daily as (
                select spine.source, spine.day, coalesce(c.n, 0) as n
                from spine left join counts c on c.source = spine.source and c.day = spine.day
            ),
            with_history as (
                select *, list_filter([{history}], lambda x: x is not null) as hist
                from daily
                window w as (partition by source order by day)
            )
            select source, cast(day as varchar) as day, n, len(hist) as n_history,
                   list_median(hist) as median_history,
                   n / nullif(list_median(hist), 0) as ratio,
                   day > (select last_day from landing) - {judged_days} as is_judged
            from with_history
            order by source, day
            """
        )

    return ctx.cached("volumes", compute)


def _volume(kind: str) -> Callable[[MeasureContext, Check], Measured]:
    def measure(ctx: MeasureContext, check: Check) -> Measured:
        source = check.table.split(".", 1)[1]
        volumes = _daily_volumes(ctx)
        min_weeks = int(ctx.config.tolerance("volume_min_weeks"))
        frame = volumes[
            (volumes["source"] == source)
            & volumes["is_judged"].fillna(False).astype(bool)
            & (volumes["n_history"] >= min_weeks)
            & (volumes["median_history"] >= max(1.0, ctx.config.tolerance(f"volume_min_median_{kind}")))
        ].reset_index(drop=True)
        band = ctx.config.tolerance("volume_band")
        if kind == "band":
            expectation = Expectation(
                "ExpectColumnValuesToBeBetween",
                {"column": "ratio", "min_value": max(0.0, 1.0 - band), "max_value": 1.0 + band},
            )
            bad = frame[(frame["ratio"] < 1.0 - band) | (frame["ratio"] > 1.0 + band)]
            title = f"outside median × (1 ± {band:g})"
        else:
            expectation = Expectation("ExpectColumnValuesToBeBetween", {"column": "n", "min_value": 1})
            bad = frame[frame["n"] < 1]
            title = "with no rows at all"
        examples = [
            f"{r.day}: {int(r.n)} vs median {r.median_history:g} of {int(r.n_history)} same weekdays"
            for r in bad.head(ctx.max_examples).itertuples()
        ]
        if frame.empty:
            observed = (
                f"not judged: fewer than {min_weeks} weeks of same-weekday history, "
                f"or a median below {ctx.config.tolerance(f'volume_min_median_{kind}'):g} rows a day"
            )
        else:
            observed = f"{len(bad)} of {len(frame)} judged days {title}"
        return Measured(frame[["day", "n", "ratio"]], expectation, len(frame), len(bad), observed, examples)

    return measure


# ------------------------------------------------------------------------------------------ the suites


def all_checks() -> list[Check]:
    """Every expectation of every suite, in run order."""
    checks: list[Check] = [
        Check(
            "raw_ledger",
            "ledger_rows_reconcile",
            LEDGER_TABLE,
            "for each landed file, rows_read = rows_loaded + rows_quarantined",
            (LEDGER_TABLE,),
            _ledger_rows_reconcile,
        ),
        Check(
            "raw_ledger",
            "ledger_matches_tables",
            LEDGER_TABLE,
            "the ledger's loaded and quarantined counts are the rows in raw.<source> and raw.quarantine",
            (LEDGER_TABLE, QUARANTINE_TABLE, *(f"raw.{s}" for s in SOURCES)),
            _ledger_matches_tables,
        ),
    ]
    for source in SOURCES:
        table = f"raw.{source}"
        for level in ("warning", "blocking"):
            checks.append(
                Check(
                    "raw_ledger",
                    f"quarantine_share_below_{level}",
                    table,
                    f"quarantined share of the rows read per landing day ≤ quarantine_share_{level}",
                    (LEDGER_TABLE, QUARANTINE_TABLE),
                    _quarantine_share(level),
                )
            )
    for source in SOURCES:
        table = f"raw.{source}"
        checks.append(
            Check(
                "raw_ids",
                "id_no_conflicting_duplicates",
                table,
                "no id delivered twice with different content",
                (table,),
                _id_conflicting,
            )
        )
        checks.append(
            Check(
                "raw_ids",
                "id_no_identical_duplicates",
                table,
                "no id delivered twice with the same content",
                (table,),
                _id_identical,
            )
        )
    for source, spec in SOURCES.items():
        if not spec.timestamps:
            continue
        table = f"raw.{source}"
        checks.append(
            Check(
                "raw_timestamps",
                "timestamps_parse",
                table,
                f"{', '.join(spec.timestamps)} parse as ISO 8601",
                (table,),
                _timestamps_parse,
            )
        )
        checks.append(
            Check(
                "raw_timestamps",
                "timestamps_within_landing_day",
                table,
                f"{', '.join(spec.timestamps)} within the landing day ± tolerance",
                (table,),
                _timestamps_window,
            )
        )
        checks.append(
            Check(
                "raw_timestamps",
                "rows_arrive_on_time",
                table,
                f"{spec.timestamps[0]} on the export day or later (late rows are accepted, reported)",
                (table,),
                _rows_on_time,
            )
        )
    for _source, (model, key) in STAGING.items():
        table = f"staging.{model}"
        checks.append(Check("staging", "id_unique", table, f"{'+'.join(key)} unique", (table,), _id_unique))
        checks.append(
            Check(
                "staging", "required_not_null", table, "required fields present", (table,), _required_not_null
            )
        )
        if table in ORDERED_SPANS:
            checks.append(
                Check(
                    "staging",
                    "ended_not_before_started",
                    table,
                    "ended_at ≥ started_at",
                    (table,),
                    _ended_not_before_started,
                )
            )
    segments = "staging.stg_agent_activity__segments"
    checks.append(
        Check(
            "referential",
            "segment_item_exists",
            segments,
            "item_id names a message/chat/sms/post/call of the segment's channel",
            (segments, *(t for t, _ in ITEM_TABLES.values())),
            _segment_item_exists,
        )
    )
    checks.append(
        Check(
            "concurrency",
            "chat_concurrency_within_limit",
            segments,
            "simultaneous chats per agent ≤ max_concurrency + concurrency_extra_chats",
            (segments, POLICIES_TABLE),
            _chat_concurrency,
        )
    )
    for _channel, (table, column) in QUEUE_KEYS.items():
        checks.append(
            Check(
                "queues",
                "queue_key_mapped",
                table,
                f"{column} maps to a queue of the queues seed",
                (table, QUEUES_TABLE),
                _queue_key_mapped,
            )
        )
    checks.append(
        Check(
            "queues",
            "queue_seed_keys_unique",
            QUEUES_TABLE,
            "each (channel, source_key) maps to one queue",
            (QUEUES_TABLE,),
            _queue_seed_keys_unique,
        )
    )
    for source, spec in SOURCES.items():
        if not spec.timestamps:
            continue
        table = f"raw.{source}"
        checks.append(
            Check(
                "volume",
                "volume_within_band",
                table,
                "daily volume within the band around the same-weekday median",
                (table, LEDGER_TABLE),
                _volume("band"),
            )
        )
        checks.append(
            Check(
                "volume",
                "volume_day_not_missing",
                table,
                "no day without rows where the same weekdays had rows",
                (table, LEDGER_TABLE),
                _volume("missing"),
            )
        )
    return checks
