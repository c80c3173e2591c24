"""Crash safety, idempotent recovery, late data, purge and concurrent BI reads of `asyncwfm run` (issue 10).

One module-scoped story on tests/fixtures/landing_small plus two simulated days (6 agents, 2026-02-02/03),
every run a real `asyncwfm run` subprocess in its own process group (SIGKILL hits the run and its dbt child,
like an OOM kill or a lost container):

1. a complete run publishes version 1 (`warehouse.published.duckdb`);
2. a second delivery lands (dt=2026-01-06): a *late* email thread of 2026-01-05 with hostile ids and unicode,
   and a 30 MB agent_activity file of blank lines that makes ingestion observable;
3. the refresh is SIGKILLed during ingestion (that file open), during dbt (a mart model started), after dbt
   (quality gates / staffing) and during publishing (the temp file exists) — after each kill the published
   file opens and still holds version 1, table for table;
4. `asyncwfm purge --older-than 0` nulls every raw text (and compacts the file);
5. the next run completes while another process reads the published file in a loop;
6. its marts equal those of an uninterrupted run of the same landing zone in a fresh warehouse (started in the
   background at the beginning), the late email changed the marts of the earlier day, the leftover temp file
   is gone, and no personal value of the input is in any non-raw table of either file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.publish.publisher import published_path
from simulator import generate

PROJECT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "landing_small"
RUN_TIMEOUT = 900  # seconds; the shared CI machines are slow, a quiet one needs ~30-50 s per run

SQL_ID = "'; drop table x; --😀"
LATE_EMAIL = [  # a thread of 2026-01-05 delivered a day late, with hostile ids and texts
    {
        "message_id": SQL_ID,
        "mailbox": "support",
        "direction": "inbound",
        "customer_address": "late.customer@example.org",
        "sent_at": "2026-01-05T14:00:00Z",
        "subject": "\u202eRTL subject \u05e9\u05dc\u05d5\u05dd",
        "body": "late body text with emoji 🚚 and a NUL \u0000 char",
        "references": [],
    },
    {
        "message_id": 'm-late-2"; --',
        "in_reply_to": SQL_ID,
        "references": [SQL_ID],
        "mailbox": "support",
        "direction": "outbound",
        "customer_address": "late.customer@example.org",
        "agent_id": "a1",
        "sent_at": "2026-01-05T14:20:00+00:00",
        "subject": "Re: late",
        "body": "agent reply that must stay in raw",
    },
]
LATE_ACTIVITY = [
    {
        "segment_id": "s-late-1",
        "agent_id": "a1",
        "channel": "email",
        "item_id": SQL_ID,
        "activity": "read",
        "started_at": "2026-01-05T14:05:00Z",
        "ended_at": "2026-01-05T14:08:00Z",
    },
    {
        "segment_id": "s-late-2",
        "agent_id": "a1",
        "channel": "email",
        "item_id": 'm-late-2"; --',
        "activity": "compose",
        "started_at": "2026-01-05T14:12:00Z",
        "ended_at": "2026-01-05T14:20:00Z",
    },
]
PERSONAL_VALUES = [  # from the fixture (tests/test_end_to_end.py) and the late delivery
    "ann@example.com",
    "+15557770100",
    "15557770100",
    "@bob",
    "v-100",
    "order 42 has not arrived",
    "Where is my order",
    "My package is late",
    "late.customer@example.org",
    "RTL subject",
    "late body text",
    "agent reply that must stay in raw",
]
PADDING_LINES = 3_000_000  # blank lines are not rows: ~30 MB that only ingestion notices


def _landing(landing: Path, truth: Path) -> int:
    """The fixture (2026-01-05) plus two simulated days of a 6-agent center (2026-02-02/03); rows written."""
    summary = generate(landing, days=2, agents=6, seed=11, start=dt.date(2026, 2, 2), truth_dir=truth)
    shutil.copytree(FIXTURE, landing, dirs_exist_ok=True)
    return sum(summary.rows.values())


def _deliver_day_two(landing: Path) -> None:
    email = landing / "email" / "dt=2026-01-06"
    email.mkdir(parents=True)
    (email / "late.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in LATE_EMAIL) + "\n")
    activity = landing / "agent_activity" / "dt=2026-01-06"
    activity.mkdir(parents=True)
    (activity / "late.jsonl").write_text("\n".join(json.dumps(r) for r in LATE_ACTIVITY) + "\n")
    (activity / "padding.jsonl").write_bytes(b"         \n" * PADDING_LINES)


# --------------------------------------------------------------------------------------------- running


@dataclass
class Run:
    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def saw(self, pattern: str) -> bool:
        regex = re.compile(pattern)
        return any(regex.search(line) for line in list(self.lines))

    @property
    def output(self) -> str:
        return "\n".join(self.lines[-40:])


def start_run(landing: Path, warehouse: Path) -> Run:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: the kill reaches dbt too
    )
    run = Run(proc)
    threading.Thread(target=run.pump, daemon=True).start()
    return run


def finish(run: Run) -> int:
    code = run.proc.wait(timeout=RUN_TIMEOUT)
    time.sleep(0.2)  # let the pump thread drain
    return code


def kill_when(run: Run, reached, what: str) -> None:
    """SIGKILL the run's process group as soon as ``reached()`` is true; fail if the run ended first."""
    deadline = time.perf_counter() + RUN_TIMEOUT
    while not reached():
        if run.proc.poll() is not None:
            pytest.fail(f"the run ended (exit {run.proc.returncode}) before {what}:\n{run.output}")
        if time.perf_counter() > deadline:
            os.killpg(run.proc.pid, signal.SIGKILL)
            pytest.fail(f"{what} not reached in {RUN_TIMEOUT} s")
        time.sleep(0.002)
    os.killpg(run.proc.pid, signal.SIGKILL)
    run.proc.wait(timeout=60)
    _wait_group_gone(run.proc.pid)


def _wait_group_gone(pgid: int) -> None:
    for _ in range(500):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def _has_open(pid: int, name: str) -> bool:
    """Whether any process of the run's group has a file called ``name`` open (Linux /proc)."""
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc_dir.name)) != pid:
                continue
            for fd in (proc_dir / "fd").iterdir():
                if os.readlink(fd).endswith(name):
                    return True
        except (OSError, ValueError):
            continue
    return False


# --------------------------------------------------------------------------------------------- reading


def _norm(value):
    if isinstance(value, float):
        return round(value, 6)
    return value


def snapshot(path: Path, schemas=("marts",)) -> dict[str, list[tuple]]:
    """Every table of ``schemas`` in a DuckDB file as sorted, float-rounded rows (read-only open)."""
    out: dict[str, list[tuple]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in schemas)}) order by 1, 2",
            list(schemas),
        ).fetchall()
        for schema, table in tables:
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            out[f"{schema}.{table}"] = sorted((tuple(_norm(v) for v in row) for row in rows), key=repr)
    return out


def publication(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select run_id, published_at, row_counts from meta.publication").fetchall()[0]


def working_ledger(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {p for (p,) in con.execute("select path from raw.file_ledger").fetchall()}


READER = r"""
import json, sys, time, duckdb
path, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
import os
seen, errors, iterations = {}, [], 0
TABLES = ("marts.fct_contacts", "marts.agg_interval_kpis", "marts.fct_staffing_requirements")
while not os.path.exists(stop) or iterations < 3:
    iterations += 1
    try:
        with duckdb.connect(path, read_only=True) as con:
            run_id, counts = con.execute("select run_id, row_counts from meta.publication").fetchall()[0]
            counts = json.loads(counts)
            listed = dict(con.execute("select table_name, row_count from meta.published_tables").fetchall())
            got = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
        if listed != counts or any(counts[t] != n for t, n in got.items()):
            errors.append(f"mixed version in iteration {iterations}: recorded {counts}, read {got}")
        seen.setdefault(run_id, got)
    except Exception as exc:  # any error at all is a failure of the publishing design
        errors.append(f"iteration {iterations}: {type(exc).__name__}: {exc}")
    time.sleep(0.005)
json.dump({"iterations": iterations, "seen": seen, "errors": errors}, open(out, "w"))
"""


# --------------------------------------------------------------------------------------------- the story


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("reliability")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    simulated = _landing(landing, root / "simulated.truth")
    ref_landing, ref_warehouse = root / "ref" / "landing", root / "ref" / "warehouse.duckdb"
    _landing(ref_landing, root / "ref" / "simulated.truth")
    _deliver_day_two(ref_landing)
    reference = start_run(ref_landing, ref_warehouse)  # uninterrupted, in parallel with the story

    log: dict[str, object] = {"kills": []}
    first = start_run(landing, warehouse)
    assert finish(first) == 0, first.output
    published = published_path(warehouse)
    version_1 = snapshot(published, ("marts", "quality", "raw", "meta"))
    log["version_1"] = version_1
    log["publication_1"] = publication(published)

    _deliver_day_two(landing)

    def after_kill(stage: str) -> None:
        assert snapshot(published, ("marts", "quality", "raw", "meta")) == version_1, (
            f"published changed: {stage}"
        )
        log["kills"].append(stage)

    # Killed during ingestion: the padding file is open (read after email … voice were committed).
    run = start_run(landing, warehouse)
    kill_when(run, lambda: _has_open(run.proc.pid, "padding.jsonl"), "ingestion of padding.jsonl")
    ledger = working_ledger(warehouse)
    assert (
        "agent_activity/dt=2026-01-06/padding.jsonl" not in ledger
    )  # its source's transaction never committed
    assert "email/dt=2026-01-06/late.jsonl" in ledger  # an earlier source had committed: a partial ingestion
    log["ledger_after_ingestion_kill"] = sorted(p for p in ledger if "2026-01-06" in p)
    after_kill("ingestion")

    # Killed during dbt: a mart model has started.
    run = start_run(landing, warehouse)
    kill_when(run, lambda: run.saw(r"START sql table model marts\."), "dbt building a mart")
    after_kill("dbt")

    # Killed after dbt, in the quality gates / staffing.
    run = start_run(landing, warehouse)
    kill_when(
        run, lambda: run.saw(r"^Done\. PASS=|Completed successfully|Finished running"), "the end of dbt"
    )
    after_kill("quality/staffing")

    # Killed while publishing: the temp copy exists, the rename has not happened.
    def publishing() -> bool:
        return any(published.parent.glob(f"{published.name}.tmp-*"))

    run = start_run(landing, warehouse)
    kill_when(run, publishing, "publishing")
    leftovers = sorted(p.name for p in published.parent.glob(f"{published.name}.tmp-*"))
    assert leftovers, "the kill should leave the temp copy behind"
    log["leftovers"] = leftovers
    after_kill("publish")

    # Personal data: purge every text, then the completing run must still give the uninterrupted marts.
    purge = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "purge",
            "--warehouse",
            str(warehouse),
            "--older-than",
            "0",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert purge.returncode == 0, purge.stdout + purge.stderr
    log["purge_output"] = purge.stdout

    # The run that completes, while a BI process reads the published file in a loop.
    stop, result = root / "reader.stop", root / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), str(stop), str(result)])
    run = start_run(landing, warehouse)
    code = finish(run)
    stop.touch()
    reader.wait(timeout=120)
    assert code == 0, run.output
    log["reader"] = json.loads(result.read_text())
    assert finish(reference) == 0, reference.output
    return {
        "root": root,
        "warehouse": warehouse,
        "published": published,
        "reference": published_path(ref_warehouse),
        "ref_warehouse": ref_warehouse,
        "simulated_rows": simulated,
        "log": log,
    }


def test_every_kill_kept_the_previous_publication(story):
    assert story["log"]["kills"] == ["ingestion", "dbt", "quality/staffing", "publish"]


def test_recovered_run_equals_uninterrupted_run(story):
    recovered = snapshot(story["published"], ("marts",))
    reference = snapshot(story["reference"], ("marts",))
    assert recovered.keys() == reference.keys()
    assert {"marts.fct_contacts", "marts.fct_staffing_requirements", "marts.fct_volume_forecast"} <= set(
        recovered
    )
    for table in reference:
        assert recovered[table] == reference[table], table


def test_ledger_and_quarantine_equal_uninterrupted_run(story):
    def accounted(path: Path):
        with duckdb.connect(str(path), read_only=True) as con:
            ledger = con.execute(
                "select source, path, size_bytes, content_hash, rows_read, rows_loaded, rows_quarantined "
                "from raw.file_ledger order by path"
            ).fetchall()
            quarantine = con.execute(
                "select source, file, reason, rows_quarantined, first_line "
                "from raw.quarantine_summary order by all"
            ).fetchall()
        return ledger, quarantine

    assert accounted(story["published"]) == accounted(story["reference"])
    ledger, _ = accounted(story["published"])
    assert all(read == loaded + quarantined for *_, read, loaded, quarantined in ledger)
    # fixture + simulated days + late emails + late segments: every row landed is loaded, none lost
    assert sum(loaded for *_, loaded, _q in ledger) == 30 + story["simulated_rows"] + 2 + 2


def test_leftover_temp_file_is_cleaned_up(story):
    published = story["published"]
    assert story["log"]["leftovers"]
    assert list(published.parent.glob(f"{published.name}.tmp-*")) == []
    assert not Path(f"{published}.wal").exists()


def test_concurrent_reader_never_sees_an_error_or_a_mix(story):
    reader = story["log"]["reader"]
    assert reader["errors"] == []
    assert reader["iterations"] >= 10
    final_run_id = publication(story["published"])[0]
    assert final_run_id in reader["seen"]  # the reader saw the refresh land
    # ... and, since it started before the refresh could finish, the version that was there before it
    assert story["log"]["publication_1"][0] in reader["seen"]


def test_late_file_recomputes_the_earlier_day(story):
    def email_thread_day(rows_by_table) -> list[tuple]:
        # agg_policy_comparison: (contact_date, channel, approach, unit, basis, contacts, handle, aht, …)
        return [
            r[5:8]
            for r in rows_by_table["marts.agg_policy_comparison"]
            if r[0] == dt.date(2026, 1, 5) and r[1] == "email" and r[2] == "thread/active"
        ]

    # Before: the §10.1 thread alone. After: plus the late thread (read 3 min + compose 8 min).
    assert email_thread_day(story["log"]["version_1"]) == [(1, 600.0, 600.0)]
    assert email_thread_day(snapshot(story["published"], ("marts",))) == [(2, 1260.0, 630.0)]
    with duckdb.connect(str(story["published"]), read_only=True) as con:
        late_interval = con.execute(
            "select sum(contacts_offered) from marts.agg_interval_kpis "
            "where channel = 'email' and interval_start = timestamp '2026-01-05 14:00:00'"
        ).fetchall()[0][0]
    assert late_interval == 1


def test_purge_nulled_texts_and_recorded_it(story):
    with duckdb.connect(str(story["warehouse"]), read_only=True) as con:
        log = con.execute("select table_name, rows_purged from meta.purge_log order by 1").fetchall()
        left = con.execute(
            "select (select count(*) from raw.email where body is not null or subject is not null)"
            " + (select count(*) from raw.chat where text is not null)"
            " + (select count(*) from raw.sms where body is not null)"
            " + (select count(*) from raw.social where text is not null)"
        ).fetchall()[0][0]
        emails = con.execute("select count(*) from raw.email").fetchall()[0][0]
    assert dict(log)["raw.email"] == emails > 5  # fixture, simulated and late emails: all older than 0 days
    assert left == 0
    assert "rows purged" in story["log"]["purge_output"]


def _personal_values(warehouse: Path) -> list[str]:
    """Fixture values plus a sample of the simulated ones: addresses, phones, handles, visitor ids, texts."""
    queries = [
        "select customer_address from raw.email",
        "select customer_phone from raw.sms",
        "select customer_phone from raw.voice",
        "select customer_handle from raw.social",
        "select visitor_id from raw.chat",
        "select email from raw.customers union all select phone from raw.customers "
        "union all select social_handle from raw.customers",
        "select subject from raw.email union all select body from raw.email",
        "select text from raw.chat union all select body from raw.sms union all select text from raw.social",
    ]
    values = set(PERSONAL_VALUES)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for query in queries:
            rows = con.execute(
                f"select distinct v from ({query}) t(v) where length(v) >= 6 order by v limit 25"
            ).fetchall()
            values.update(v for (v,) in rows)
    return sorted(values)


def test_no_personal_data_outside_raw_in_either_file(story):
    values = _personal_values(story["ref_warehouse"])  # never purged: its raw still has every text
    assert len(values) > 100
    leaks = []
    for path, skip in (
        (story["warehouse"], ("raw", "config")),
        (story["published"], ()),
        (story["reference"], ()),
    ):
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("create temp table personal as select unnest(?::varchar[]) as v", [values])
            columns = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where data_type = 'VARCHAR' and table_schema not in ('information_schema', 'pg_catalog') "
                "and table_catalog = current_database()"
            ).fetchall()
            for schema, table, column in columns:
                if schema in skip:
                    continue
                hits = con.execute(
                    f'select distinct p.v from (select distinct "{column}" as c from "{schema}"."{table}") t '
                    "join personal p on contains(t.c, p.v)"
                ).fetchall()
                leaks.extend((path.name, schema, table, column, v) for (v,) in hits)
    assert leaks == []
