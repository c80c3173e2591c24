"""Baselines for the end-to-end benchmark: the same per-channel figures as the pipeline, computed directly.

- ``floor_duckdb.sql``: the floor, one hand-written DuckDB script from the landing files.
- ``peer_polars.py`` / ``peer_pandas.py``: the same logic as a data team would write it in Polars / pandas.

Each returns ``{channel: {"threads", "sessions", "contacts", "handle_seconds"}}`` plus an ``all`` row,
compared with the marts by ``PIPELINE_COUNTS_SQL``:

- threads, sessions: ``marts.fct_threads`` / ``marts.fct_sessions`` rows per channel;
- handle_seconds: total active handle of the channel's threads (``sum(fct_threads.handle_seconds)``); the
  ``all`` row also equals ``sum(fct_contacts.active_handle_seconds)`` (journey merging moves handle between
  channels, never changes the total);
- contacts: contacts **before journey merging** under the default units (email thread, chat/sms/social
  session, voice call leg). Deliberate simplification: the baselines do not link journeys, so they cannot
  fold chat-started journeys (``merge_channel_switches = true`` for chat) into one contact; the pipeline's
  comparable figure is taken from fct_threads / fct_sessions, and ``fct_contacts`` is printed beside it.

Also simplified, identical on clean simulator data (no faults): duplicates are resolved by the first file in
path order (the pipeline: earliest ingested, then file, then line — the same order for one ingestion);
rows the pipeline would quarantine are not filtered; the default policy's gaps are hard-coded.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CHANNELS = ("chat", "email", "sms", "social", "voice")
FIGURES = ("threads", "sessions", "contacts", "handle_seconds")

PIPELINE_COUNTS_SQL = """
with threads as (
    select channel, count(*) as threads, sum(n_messages) as legs, sum(handle_seconds) as handle_seconds
    from marts.fct_threads group by channel
),
sessions as (select channel, count(*) as sessions from marts.fct_sessions group by channel),
per_channel as (
    select channel, threads, sessions,
        case channel when 'email' then threads when 'voice' then legs else sessions end as contacts,
        handle_seconds
    from threads join sessions using (channel)
)
select * from per_channel
union all
select 'all', sum(threads), sum(sessions), sum(contacts),
    (select sum(active_handle_seconds) from marts.fct_contacts)
from per_channel
order by 1
"""

FCT_CONTACTS_SQL = "select channel, count(*) from marts.fct_contacts group by channel order by 1"


def with_total(per_channel: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    out = {c: {k: float(v[k] or 0) for k in FIGURES} for c, v in per_channel.items()}
    out["all"] = {k: sum(v[k] for v in out.values()) for k in FIGURES}
    return out


def floor_duckdb(landing: Path, threads: int | None = None, memory_limit: str | None = None) -> dict:
    import duckdb

    script = (HERE / "floor_duckdb.sql").read_text().replace("{landing}", str(Path(landing).resolve()))
    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {int(threads)}")
    if memory_limit:
        con.execute(f"set memory_limit = '{memory_limit}'")
    rows = []
    for statement in (s for s in script.split(";\n") if s.strip()):
        rows = con.execute(statement).fetchall()
    con.close()
    return with_total({r[0]: dict(zip(FIGURES, r[1:], strict=True)) for r in rows})


def run_baseline(name: str, landing: Path) -> dict:
    if name == "floor":
        return floor_duckdb(landing)
    if name == "polars":
        from bench.baselines.peer_polars import run
    elif name == "pandas":
        from bench.baselines.peer_pandas import run
    else:
        raise ValueError(f"unknown baseline {name!r}")
    return with_total(run(Path(landing)))
