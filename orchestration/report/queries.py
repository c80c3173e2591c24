"""Read the warehouse for the report: a read-only connection and one query per report section.

Every query returns ``None`` when a table it needs is not in the warehouse (an older or partial build), so the
report can say "not available in this warehouse" instead of failing. Column names follow SPEC §6 and
docs/contracts.md; where a mart may be shaped in more than one reasonable way (long or wide policy comparison)
the reader accepts both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.landing import REDACTED_REASON_SQL


class WarehouseUnavailable(Exception):
    """The warehouse is missing, locked by a writer, or not a DuckDB file; the message says what to do."""


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, turning the usual failures into one readable sentence."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise WarehouseUnavailable(
            f"The warehouse {warehouse} does not exist; build it first with "
            f"`asyncwfm run --landing DIR --warehouse {warehouse}` (or `asyncwfm demo`)."
        )
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseUnavailable(
                f"The warehouse {warehouse} is being written by another process (a refresh or "
                "`dagster dev`); wait until it finishes and run again (BI tools should read the Parquet "
                "export, see the README)."
            ) from None
        if "not a valid duckdb" not in str(exc).lower():
            raise WarehouseUnavailable(f"Cannot open the warehouse {warehouse}: {exc}") from None
        raise WarehouseUnavailable(
            f"{warehouse} is not a DuckDB database; pass the warehouse file written by `asyncwfm run`."
        ) from None
    except duckdb.Error as exc:
        raise WarehouseUnavailable(
            f"{warehouse} is not a DuckDB warehouse this version can open ({exc}); pass the file written by "
            "`asyncwfm run`."
        ) from None


@dataclass
class Warehouse:
    """A read-only connection plus the catalog of its tables (``schema.table`` → column names)."""

    con: duckdb.DuckDBPyConnection
    tables: dict[str, list[str]]

    @classmethod
    def open(cls, path: Path) -> Warehouse:
        con = open_read_only(path)
        rows = con.execute(
            """
            select table_schema, table_name, column_name
            from information_schema.columns
            order by table_schema, table_name, ordinal_position
            """
        ).fetchall()
        tables: dict[str, list[str]] = {}
        for schema, table, column in rows:
            tables.setdefault(f"{schema}.{table}", []).append(column)
        return cls(con, tables)

    def close(self) -> None:
        self.con.close()

    def has(self, table: str, *columns: str) -> bool:
        cols = self.tables.get(table)
        return cols is not None and all(c in cols for c in columns)

    def missing(self, table: str, *columns: str) -> str | None:
        """Why ``table`` cannot be used (``None`` when it can)."""
        if table not in self.tables:
            return f"{table} does not exist"
        absent = [c for c in columns if c not in self.tables[table]]
        if absent:
            return f"{table} has no column {', '.join(absent)}"
        return None

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str):
        rows = self.con.execute(sql).fetchall()
        return rows[0][0] if rows else None


def _first(columns: list[str], *candidates: str) -> str | None:
    for name in candidates:
        if name in columns:
            return name
    return None


# --- overview -----------------------------------------------------------------------------------------------


def overview(wh: Warehouse) -> dict[str, object]:
    """Period covered, contact counts, policy version: the first lines of the report."""
    facts: dict[str, object] = {}
    if wh.has("marts.fct_contacts", "started_at", "channel"):
        row = wh.con.execute(
            """
            select min(started_at), max(started_at), count(*),
                   string_agg(distinct policy_version, ', ') filter (where policy_version is not null)
            from marts.fct_contacts
            """
            if wh.has("marts.fct_contacts", "policy_version")
            else "select min(started_at), max(started_at), count(*), null from marts.fct_contacts"
        ).fetchall()[0]
        facts.update(first_contact=row[0], last_contact=row[1], contacts=row[2], policy_version=row[3])
        facts["contacts_by_channel"] = wh.df(
            "select channel, count(*) as contacts from marts.fct_contacts group by 1 order by 1"
        )
    if wh.has("marts.fct_contacts", "contact_unit", "channel"):
        facts["units"] = wh.df(
            "select channel, string_agg(distinct contact_unit, ', ') as units "
            "from marts.fct_contacts group by 1"
        )
    facts["marts"] = sorted(t.split(".", 1)[1] for t in wh.tables if t.startswith("marts."))
    return facts


# --- policy comparison --------------------------------------------------------------------------------------

APPROACHES = ("message/active", "session/active", "thread/active", "thread/elapsed", "journey/active")
_WIDE = re.compile(
    r"^(contacts|handle_seconds|aht_seconds)_(message|session|thread|journey)_(active|elapsed)$"
)


def policy_comparison(wh: Warehouse) -> pd.DataFrame | None:
    """Totals over the period per channel × approach: contacts, handle_seconds, aht_seconds.

    Accepts ``marts.agg_policy_comparison`` long (an ``approach`` column, or ``contact_unit`` +
    ``handle_time_basis``) or wide (``contacts_thread_active``, ``handle_seconds_thread_active``, …).
    """
    table = "marts.agg_policy_comparison"
    if table not in wh.tables:
        return None
    cols = wh.tables[table]
    contacts = _first(cols, "contacts", "n_contacts", "contact_count")
    handle = _first(cols, "handle_seconds", "total_handle_seconds", "handle_seconds_total")
    if "channel" in cols and contacts and handle and ("approach" in cols or "contact_unit" in cols):
        if "approach" in cols:
            approach = "approach"
        else:
            basis = _first(cols, "handle_time_basis", "basis")
            approach = f"contact_unit || '/' || {basis}" if basis else "contact_unit || '/active'"
        configured = "bool_or(is_configured_approach)" if "is_configured_approach" in cols else "false"
        frame = wh.df(
            f"""
            select channel, {approach} as approach,
                   sum({contacts})::double as contacts, sum({handle})::double as handle_seconds,
                   coalesce({configured}, false) as is_configured
            from {table} group by channel, approach
            """
        )
    else:
        parts = []
        for col in cols:
            match = _WIDE.match(col)
            if match and match.group(1) in ("contacts", "handle_seconds"):
                parts.append((match.group(1), f"{match.group(2)}/{match.group(3)}", col))
        if "channel" not in cols or not parts:
            return pd.DataFrame()
        selects = [
            f"select channel, '{appr}' as approach, '{kind}' as kind, sum({col})::double as value "
            f"from {table} group by channel"
            for kind, appr, col in parts
        ]
        long = wh.df(" union all ".join(selects))
        frame = long.pivot_table(index=["channel", "approach"], columns="kind", values="value").reset_index()
        frame = frame.rename_axis(None, axis=1)
        frame["is_configured"] = False
    frame["approach"] = frame["approach"].astype(str).str.replace("_", "/", regex=False)
    frame["aht_seconds"] = frame["handle_seconds"] / frame["contacts"].where(frame["contacts"] > 0)
    order = {a: i for i, a in enumerate(APPROACHES)}
    frame["_order"] = frame["approach"].map(order).fillna(len(order))
    return frame.sort_values(["channel", "_order", "approach"]).drop(columns="_order").reset_index(drop=True)


# --- interval KPIs ------------------------------------------------------------------------------------------

KPI = "marts.agg_interval_kpis"


def interval_minutes(wh: Warehouse, table: str = KPI) -> int:
    """Interval length, read from the data (the smallest gap between interval starts), 15 by default."""
    value = wh.scalar(
        f"""
        select min(gap) from (
            select epoch(interval_start - lag(interval_start) over (order by interval_start)) / 60 as gap
            from (select distinct interval_start from {table})
        ) where gap > 0
        """
    )
    return int(value) if value else 15


def weekly_profile(wh: Warehouse) -> tuple[pd.DataFrame, int] | None:
    """Mean contacts offered and workload per channel × weekday × interval of day, and the interval length.

    Intervals without a row count as zero: the mean divides by the number of such weekdays in the period.
    """
    if wh.missing(KPI, "interval_start", "channel", "contacts_offered", "handle_seconds_worked"):
        return None
    minutes = interval_minutes(wh)
    frame = wh.df(
        f"""
        with per_interval as (
            select channel, interval_start,
                   sum(contacts_offered)::double as contacts,
                   sum(handle_seconds_worked)::double as handle_seconds
            from {KPI} group by all
        ),
        days as (
            select isodow(d) as weekday, count(*) as n_days
            from (select distinct interval_start::date as d from per_interval)
            group by 1
        )
        select p.channel, isodow(p.interval_start) as weekday,
               hour(p.interval_start) * 60 + minute(p.interval_start) as minute_of_day,
               sum(p.contacts) / any_value(d.n_days) as contacts,
               sum(p.handle_seconds) / any_value(d.n_days) / ({minutes} * 60.0) as workload_agents
        from per_interval p join days d on d.weekday = isodow(p.interval_start)
        group by all
        order by 1, 2, 3
        """
    )
    return frame, minutes


def service_level_daily(wh: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Daily service level per channel (weighted by inbound messages, or contacts offered), and the goals."""
    if wh.missing(KPI, "interval_start", "channel", "service_level"):
        return None
    cols = wh.tables[KPI]
    if "service_level_numerator" in cols and "service_level_denominator" in cols:
        # exact: answered within target ÷ measured, summed over the day (what the interval ratios are made of)
        level = "sum(service_level_numerator) / nullif(sum(service_level_denominator), 0)"
    else:
        weights = [c for c in ("messages_inbound", "contacts_offered") if c in cols]
        weight = f"coalesce(nullif({weights[0]}, 0), 1)" if weights else "1"
        if len(weights) == 2:
            weight = "coalesce(nullif(messages_inbound, 0), nullif(contacts_offered, 0), 1)"
        level = f"sum(service_level * {weight}) / sum({weight})"
    daily = wh.df(
        f"""
        select channel, interval_start::date as day, {level} as service_level
        from {KPI} where service_level is not null
        group by all having {level} is not null order by 1, 2
        """
    )
    return daily, policy_goals(wh)


def policy_goals(wh: Warehouse) -> pd.DataFrame:
    """service_target_seconds and service_level_goal per channel, from the policy of the marts."""
    for table in ("staging.stg_seeds__channel_policies", "seeds.channel_policies", "main.channel_policies"):
        if wh.has(table, "channel", "service_level_goal", "service_target_seconds"):
            return wh.df(
                f"""
                select channel, any_value(service_level_goal)::double as service_level_goal,
                       any_value(service_target_seconds)::double as service_target_seconds
                from {table} group by 1
                """
            )
    return pd.DataFrame(columns=["channel", "service_level_goal", "service_target_seconds"])


def backlog(wh: Warehouse) -> pd.DataFrame | None:
    """Threads awaiting an agent at each interval end, per channel (summed over queues)."""
    if wh.missing(KPI, "interval_start", "channel", "backlog_end"):
        return None
    return wh.df(
        f"""
        select channel, interval_start, sum(backlog_end)::double as backlog
        from {KPI} group by all order by 1, 2
        """
    )


# --- staffing -----------------------------------------------------------------------------------------------

STAFFING = "marts.fct_staffing_requirements"


def staffing(wh: Warehouse, history_days: int = 7) -> pd.DataFrame | None:
    """Required and scheduled agents per interval and channel (summed over queues): the last
    ``history_days`` of history and the whole forecast."""
    if wh.missing(STAFFING, "interval_start", "channel", "required_agents", "required_scheduled_agents"):
        return None
    forecast = "is_forecast" if wh.has(STAFFING, "is_forecast") else "false"
    return wh.df(
        f"""
        with s as (
            select channel, interval_start, bool_or({forecast}) as is_forecast,
                   sum(required_agents)::double as required_agents,
                   sum(required_scheduled_agents)::double as scheduled_agents
            from {STAFFING} group by all
        ),
        edge as (
            select coalesce(max(interval_start) filter (where not is_forecast), max(interval_start))
                   as last_actual
            from s
        )
        select s.* from s, edge
        where s.is_forecast or s.interval_start > edge.last_actual - interval {int(history_days)} day
        order by channel, interval_start
        """
    )


def agents_on_floor(wh: Warehouse, since) -> pd.DataFrame | None:
    """Agents actually logged in per interval (busy + available seconds ÷ interval seconds), center-wide."""
    table = "marts.agg_agent_interval"
    if wh.missing(table, "interval_start", "busy_seconds", "available_seconds"):
        return None
    minutes = interval_minutes(wh, table)
    return wh.df(
        f"""
        select interval_start,
               sum(coalesce(busy_seconds, 0) + coalesce(available_seconds, 0)) / ({minutes} * 60.0) as agents
        from {table} where interval_start >= ?
        group by 1 order by 1
        """,
        [since],
    )


def backtest(wh: Warehouse) -> pd.DataFrame | None:
    """Forecast against actual contacts per queue on the latest backtest week, with its WAPE."""
    table = "marts.forecast_backtest"
    if wh.missing(table, "queue_id", "channel", "actual_contacts", "forecast_contacts"):
        return None
    week = "week_start" if wh.has(table, "week_start") else "null"
    wape = "wape" if wh.has(table, "wape") else "null"
    return wh.df(
        f"""
        with latest as (select max({week}) as w from {table})
        select queue_id, channel, {week} as week_start,
               sum(actual_contacts)::double as actual_contacts,
               sum(forecast_contacts)::double as forecast_contacts,
               avg({wape})::double as wape
        from {table}, latest
        where {week} is not distinct from latest.w
        group by all order by channel, queue_id
        """
    )


# --- data quality -------------------------------------------------------------------------------------------


def validation_latest(wh: Warehouse) -> pd.DataFrame | None:
    """Rows of the latest validation run in quality.validation_results."""
    table = "quality.validation_results"
    if wh.missing(table, "run_id", "suite", "success"):
        return None
    cols = wh.tables[table]
    wanted = [
        "suite",
        "table_name",
        "expectation",
        "severity",
        "success",
        "unexpected_count",
        "observed_value",
        "checked_at",
    ]
    present = ", ".join(c for c in wanted if c in cols)
    order = "max(checked_at)" if "checked_at" in cols else "max(run_id)"
    return wh.df(
        f"""
        with latest as (
            select run_id from {table} group by run_id order by {order} desc limit 1
        )
        select run_id, {present} from {table} where run_id = (select run_id from latest)
        order by success, suite{", table_name" if "table_name" in cols else ""}
        """
    )


# Reasons may quote the offending value, which can be personal data: keep the reason up to the value only
# (the same rule as the published warehouse's raw.quarantine_summary, orchestration/defs/publish/).


def quarantine_by_reason(wh: Warehouse) -> pd.DataFrame | None:
    """Quarantined rows per source and reason, from raw.quarantine or a published raw.quarantine_summary."""
    if not wh.missing("raw.quarantine", "source", "reason"):
        source, rows = "raw.quarantine", "count(*)"
    elif not wh.missing("raw.quarantine_summary", "source", "reason", "rows_quarantined"):
        source, rows = "raw.quarantine_summary", "sum(rows_quarantined)"
    else:
        return None
    return wh.df(
        f"""
        select source, {REDACTED_REASON_SQL} as reason, {rows}::bigint as rows from {source}
        group by all order by rows desc, source, reason
        """
    )


def ledger_totals(wh: Warehouse) -> pd.DataFrame | None:
    if wh.missing("raw.file_ledger", "source", "rows_read", "rows_loaded", "rows_quarantined"):
        return None
    return wh.df(
        """
        select source, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
               sum(rows_quarantined) as rows_quarantined
        from raw.file_ledger group by 1 order by 1
        """
    )
