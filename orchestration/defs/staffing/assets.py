"""Staffing assets: volume forecast, its backtest and staffing requirements (SPEC §6–§7).

Thin DuckDB I/O around the pure modules (erlang, deferred, forecast, shrinkage, requirements). Every asset
depends on the data-quality gate ``["quality", "validation_results"]`` so a failing blocking check in the
same run stops staffing, and writes its table in one transaction (``<table>__new`` then rename), so a
reader never sees a half-built table.
"""

import dagster as dg
import duckdb as duck
import pandas as pd
from dagster_duckdb import DuckDBResource

from orchestration.defs.staffing.config import load_settings
from orchestration.defs.staffing.erlang import estimate_patience
from orchestration.defs.staffing.forecast import backtest_frame, forecast_frame
from orchestration.defs.staffing.requirements import staffing_frame
from orchestration.defs.staffing.shrinkage import shrinkage_from_states

KPIS = dg.AssetKey(["marts", "agg_interval_kpis"])
QUALITY_GATE = dg.AssetKey(["quality", "validation_results"])
POLICIES = dg.AssetKey(["staging", "stg_seeds__channel_policies"])
AGENT_STATES = dg.AssetKey(["staging", "stg_agent_states__spans"])
MESSAGES = dg.AssetKey(["intermediate", "int_messages_unified"])  # voice waits → Erlang A patience
FORECAST = dg.AssetKey(["marts", "fct_volume_forecast"])

FORECAST_SCHEMA = {
    "interval_start": "timestamp",
    "queue_id": "varchar",
    "channel": "varchar",
    "forecast_contacts": "double",
    "forecast_aht_seconds": "double",
    "based_on_weeks": "integer",
    "policy_version": "varchar",
}
BACKTEST_SCHEMA = {
    "queue_id": "varchar",
    "channel": "varchar",
    "week_start": "timestamp",
    "wape": "double",
    "actual_contacts": "double",
    "forecast_contacts": "double",
    "policy_version": "varchar",
}
STAFFING_SCHEMA = {
    "interval_start": "timestamp",
    "queue_id": "varchar",
    "channel": "varchar",
    "is_forecast": "boolean",
    "contacts": "double",
    "aht_seconds": "double",
    "workload_seconds": "double",
    "required_agents": "integer",
    "required_scheduled_agents": "integer",
    "shrinkage": "double",
    "method": "varchar",
    "expected_service_level": "double",
    "expected_occupancy": "double",
    "erlang_a_agents": "integer",
    "erlang_a_service_level": "double",
    "policy_version": "varchar",
}


def replace_table(
    con: duck.DuckDBPyConnection, table: str, frame: pd.DataFrame, schema: dict[str, str]
) -> None:
    """Write ``frame`` as ``table`` (``schema.name``) atomically: build ``name__new``, swap by rename."""
    schema_name, name = table.split(".")
    select = ", ".join(f'cast("{col}" as {typ}) as "{col}"' for col, typ in schema.items())
    con.register("_staffing_frame", frame[list(schema)])
    try:
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {schema_name}")
        con.execute(f"drop table if exists {schema_name}.{name}__new")
        con.execute(f"create table {schema_name}.{name}__new as select {select} from _staffing_frame")
        con.execute(f"drop table if exists {schema_name}.{name}")
        con.execute(f"alter table {schema_name}.{name}__new rename to {name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_staffing_frame")


HISTORY_COLUMNS = ["interval_start", "queue_id", "channel", "contacts_offered", "aht_seconds"]
OPTIONAL_HISTORY_COLUMNS = ["avg_concurrency", "backlog_end", "oldest_backlog_age_seconds"]


def read_history(con: duck.DuckDBPyConnection) -> pd.DataFrame:
    """The interval KPIs staffing needs (SPEC §6 names); optional columns are read when the mart has them."""
    present = set(con.execute("describe marts.agg_interval_kpis").df()["column_name"])
    missing = [c for c in HISTORY_COLUMNS if c not in present]
    if missing:
        raise ValueError(f"marts.agg_interval_kpis lacks column(s) {missing} that staffing needs")
    columns = HISTORY_COLUMNS + [c for c in OPTIONAL_HISTORY_COLUMNS if c in present]
    quoted = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"select {quoted} from marts.agg_interval_kpis").df()


def read_policies(con: duck.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from staging.stg_seeds__channel_policies").df()


def read_state_seconds(con: duck.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        select lower(state) as state, sum(greatest(epoch(ended_at) - epoch(started_at), 0)) as seconds
        from staging.stg_agent_states__spans
        group by 1
        """
    ).df()


def read_patience(con: duck.DuckDBPyConnection) -> pd.DataFrame:
    """Per voice queue: Σ waits (answer or abandon time − offer) and abandons → mean patience. Empty when the
    message model is not there (Erlang A columns then stay NULL)."""
    try:
        waits = con.execute(
            """
            select queue_id, channel,
                sum(greatest(epoch(coalesce(answered_at, ended_at)) - epoch(occurred_at), 0)) as wait_seconds,
                count(*) filter (where is_abandoned) as abandoned
            from intermediate.int_messages_unified
            where channel = 'voice'
            group by 1, 2
            """
        ).df()
    except duck.Error:
        return pd.DataFrame(columns=["queue_id", "channel", "patience_seconds"])
    waits["patience_seconds"] = estimate_patience(waits["wait_seconds"], waits["abandoned"])
    return waits[["queue_id", "channel", "patience_seconds"]]


def _with_policy_version(frame: pd.DataFrame, policies: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(policies[["channel", "policy_version"]], on="channel", how="left")


@dg.asset(
    key=FORECAST,
    deps=[KPIS, QUALITY_GATE, POLICIES],
    group_name="staffing",
    pool="duckdb_writer",
    kinds={"python", "duckdb"},
    description="Contacts and AHT per future interval × queue × channel: same weekday-and-interval mean of "
    "the last forecast_weeks weeks, for the next forecast_days days.",
)
def fct_volume_forecast(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_settings()
    with duckdb.get_connection() as con:
        history = read_history(con)
        policies = read_policies(con)
        frame = forecast_frame(
            history,
            settings.interval_minutes,
            settings.forecast_days,
            settings.forecast_weeks,
            settings.min_aht_contacts,
        )
        frame = _with_policy_version(frame, policies)
        replace_table(con, "marts.fct_volume_forecast", frame, FORECAST_SCHEMA)
    context.log.info(f"fct_volume_forecast: {len(frame)} rows")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "interval_minutes": settings.interval_minutes,
            "forecast_days": settings.forecast_days,
            "forecast_weeks": settings.forecast_weeks,
        }
    )


@dg.asset(
    key=dg.AssetKey(["marts", "forecast_backtest"]),
    deps=[KPIS, QUALITY_GATE],
    group_name="staffing",
    pool="duckdb_writer",
    kinds={"python", "duckdb"},
    description="WAPE of the forecast on the last full week of history, forecast from the weeks before it.",
)
def forecast_backtest(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_settings()
    with duckdb.get_connection() as con:
        history = read_history(con)
        policies = read_policies(con)
        frame = backtest_frame(
            history, settings.interval_minutes, settings.forecast_weeks, settings.min_aht_contacts
        )
        frame = _with_policy_version(frame, policies)
        replace_table(con, "marts.forecast_backtest", frame, BACKTEST_SCHEMA)
    wape = frame["wape"].dropna()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "median_wape": float(wape.median()) if len(wape) else None,
        }
    )


@dg.asset(
    key=dg.AssetKey(["marts", "fct_staffing_requirements"]),
    deps=[KPIS, QUALITY_GATE, POLICIES, AGENT_STATES, MESSAGES, FORECAST],
    group_name="staffing",
    pool="duckdb_writer",
    kinds={"python", "duckdb"},
    description="Required and scheduled agents per interval × queue × channel, history and forecast "
    "(Erlang C, Erlang C on chat slots, or deferred-work spreading), with Erlang A beside Erlang C.",
)
def fct_staffing_requirements(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    settings = load_settings()
    with duckdb.get_connection() as con:
        history = read_history(con)
        policies = read_policies(con)
        forecast = con.execute(
            "select interval_start, queue_id, channel, forecast_contacts, forecast_aht_seconds "
            "from marts.fct_volume_forecast"
        ).df()
        states = read_state_seconds(con)
        patience = read_patience(con)
        shrinkage = shrinkage_from_states(states["state"], states["seconds"], default=float("nan"))
        frame = staffing_frame(
            history,
            forecast,
            policies,
            settings.interval_minutes,
            shrinkage=shrinkage,
            patience=patience,
        )
        replace_table(con, "marts.fct_staffing_requirements", frame, STAFFING_SCHEMA)
    source = "agent_states (center-wide)" if shrinkage == shrinkage else "policy default_shrinkage"
    context.log.info(f"fct_staffing_requirements: {len(frame)} rows, shrinkage from {source}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "shrinkage": float(shrinkage) if shrinkage == shrinkage else None,
            "shrinkage_source": source,
            "queues_with_erlang_a": int(patience["patience_seconds"].notna().sum()),
        }
    )
