"""End-to-end benchmark: the refresh (`run_pipeline`) on ≈1 M and ≈10 M events, baselines, incremental.

    .venv/bin/python -m bench                      # sizes 1m and 10m (the `make bench` target)
    .venv/bin/python -m bench --sizes 1m           # quick run
    .venv/bin/python -m bench --sizes 1m --skip incremental,pandas

Landing zones are generated once with the simulator and cached under ``bench/out/gen-<size>/`` (git-ignored):
61 days, so the benchmark warehouse holds days 1–60 and the incremental step appends day 61. The 60-day
landing zone is a folder of hard links (``bench/out/<size>/landing``) into the generated one.

Every measurement runs in its own child process (``python -m bench.bench_pipeline child ...``) so its peak
memory is its own: ``ru_maxrss`` of the child (RUSAGE_SELF) plus the largest of *its* children
(RUSAGE_CHILDREN: dbt runs as a subprocess). The sum is an upper bound of the peak of the two together.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DAYS = 60  # the warehouse; day 61 is the incremental append
SIZES = {"1m": 36, "10m": 360}  # agents: ≈ 16,000 landing rows per agent per 60 days (simulator README)
SEED = 7

STAGES = {  # step-key prefix -> stage
    "ingest_landing_zone": "ingest",
    "dbt_models": "dbt",
    "quality__": "quality gates",
    "marts__": "staffing",
    "published__": "publish",
}


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def generated(size: str) -> Path:
    """The simulator's 61-day landing zone for ``size`` (generated on first use, then cached)."""
    from simulator import generate

    folder = OUT / f"gen-{size}"
    landing, summary = folder / "landing", folder / "summary.json"
    if not summary.exists():
        began = time.perf_counter()
        s = generate(landing, days=DAYS + 1, seed=SEED, agents=SIZES[size])
        summary.write_text(
            json.dumps(
                {
                    "events": s.events,
                    "files": s.files,
                    "bytes": s.bytes,
                    "days": DAYS + 1,
                    "agents": SIZES[size],
                    "seconds": time.perf_counter() - began,
                }
            )
        )
    return landing


def day_folders(landing: Path) -> list[str]:
    return sorted({p.name for p in landing.glob("*/dt=*")})


def link_days(source: Path, target: Path, days: list[str]) -> None:
    """Make ``target`` a landing zone holding exactly ``days`` of ``source`` (hard links, no copy)."""
    wanted = set(days)
    for folder in sorted(source.glob("*/dt=*")):
        dest = target / folder.parent.name / folder.name
        if folder.name in wanted:
            dest.mkdir(parents=True, exist_ok=True)
            for file in folder.iterdir():
                if not (dest / file.name).exists():
                    os.link(file, dest / file.name)
        elif dest.exists():
            for file in dest.iterdir():
                file.unlink()
            dest.rmdir()


def stage_totals(stage_seconds: dict[str, float]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for key, seconds in stage_seconds.items():
        stage = next((name for prefix, name in STAGES.items() if key.startswith(prefix)), key)
        totals[stage] = totals.get(stage, 0.0) + seconds
    return totals


def dbt_timings(database: str, since: float) -> dict:
    """Per-node seconds of this run's `dbt build`, from its run_results.json.

    dagster-dbt writes each invocation to its own ``target/dbt_models-*`` folder and other builds may run at
    the same time: the one whose relations live in ``database`` (the warehouse file's stem), written after
    ``since``, is ours.
    """
    for path in sorted(
        (ROOT / "dbt_project" / "target").glob("dbt_models-*/run_results.json"),
        key=lambda p: -p.stat().st_mtime,
    ):
        if path.stat().st_mtime < since:
            break
        results = json.loads(path.read_text())["results"]
        if not any(f'"{database}".' in (r.get("relation_name") or "") for r in results):
            continue
        nodes = {r["unique_id"]: float(r.get("execution_time") or 0) for r in results}
        by_kind: dict[str, float] = {}
        for uid, seconds in nodes.items():
            kind = uid.split(".")[0]
            if kind == "model":
                kind = "model " + (
                    "staging" if ".stg_" in uid else "intermediate" if ".int_" in uid else "marts"
                )
            by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        top = sorted(((u.split(".", 2)[-1], s) for u, s in nodes.items()), key=lambda t: -t[1])[:12]
        return {"by_kind": by_kind, "top": top, "path": str(path)}
    return {"by_kind": {}, "top": [], "path": None}


def _cpu_seconds() -> float:
    return sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )


# --------------------------------------------------------------------------------------------- child modes
def child_pipeline(landing: Path, warehouse: Path, fresh: bool) -> dict:
    from orchestration.cli import run_pipeline

    if fresh:
        for suffix in ("", ".wal"):
            Path(str(warehouse) + suffix).unlink(missing_ok=True)
    began, since = time.perf_counter(), time.time()
    outcome = run_pipeline(landing, warehouse)
    wall = time.perf_counter() - began
    own, children = _peak_mb()
    events = sum(int(s[2] or 0) for s in outcome.sources)
    stages = stage_totals(outcome.stage_seconds)
    stages["other"] = wall - sum(stages.values())  # definitions, dbt parse, Dagster between steps
    return {
        "success": outcome.success and not outcome.blocking_failures,
        "errors": outcome.errors + outcome.blocking_failures,
        "wall_seconds": wall,
        "stages": stages,
        "cpu_seconds": _cpu_seconds(),
        "load_average": os.getloadavg(),
        "steps": outcome.stage_seconds,
        "landing_rows": events,
        "peak_mb_self": own,
        "peak_mb_children": children,
        "dbt": dbt_timings(warehouse.stem, since),
    }


def child_baseline(name: str, landing: Path) -> dict:
    from bench.baselines import run_baseline

    began = time.perf_counter()
    result = run_baseline(name, landing)
    wall = time.perf_counter() - began
    own, children = _peak_mb()
    return {
        "wall_seconds": wall,
        "cpu_seconds": _cpu_seconds(),
        "load_average": os.getloadavg(),
        "peak_mb_self": own,
        "peak_mb_children": children,
        "per_channel": result,
    }


def run_child(*args: str) -> dict:
    env = dict(
        os.environ, GX_ANALYTICS_ENABLED="false", TQDM_DISABLE="1", DBT_SEND_ANONYMOUS_USAGE_STATS="false"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_pipeline", "child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------- comparison
def pipeline_counts(warehouse: Path) -> dict[str, dict[str, float]]:
    """Per channel, from the marts, the figures the baselines compute (bench/baselines/__init__.py)."""
    import duckdb

    from bench.baselines import PIPELINE_COUNTS_SQL

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(PIPELINE_COUNTS_SQL).fetchall()
        names = [d[0] for d in con.description]
    return {r[0]: dict(zip(names[1:], r[1:], strict=True)) for r in rows}


def fct_contacts(warehouse: Path) -> dict[str, int]:
    import duckdb

    from bench.baselines import FCT_CONTACTS_SQL

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(FCT_CONTACTS_SQL).fetchall())


def compare(pipeline: dict, baseline: dict, tolerance: float = 1e-6) -> list[str]:
    """Mismatches, as readable lines (empty = agree)."""
    problems = []
    for channel, figures in sorted(pipeline.items()):
        mine = baseline.get(channel, {})
        for key, value in figures.items():
            other = mine.get(key)
            if other is None or abs(float(other) - float(value)) > tolerance * max(1.0, abs(float(value))):
                problems.append(f"{channel}.{key}: pipeline {value} baseline {other}")
    return problems


# --------------------------------------------------------------------------------------------- main
def bench_size(size: str, skip: set[str]) -> dict:
    source = generated(size)
    days = day_folders(source)
    work = OUT / size
    landing, warehouse = work / "landing", work / f"bench_{size}.duckdb"
    link_days(source, landing, days[:DAYS])
    report: dict = {"size": size, "agents": SIZES[size], "days": DAYS}

    print(f"[{size}] full refresh, {DAYS} days ...", flush=True)
    report["full"] = run_child("pipeline", str(landing), str(warehouse), "fresh")
    if not report["full"]["success"]:
        print(f"[{size}] pipeline failed: {report['full']['errors']}", flush=True)
    report["pipeline_counts"] = pipeline_counts(warehouse)
    report["fct_contacts"] = fct_contacts(warehouse)

    for name in ("floor", "polars", "pandas"):
        if name in skip or (name == "pandas" and size != "1m"):
            continue
        print(f"[{size}] baseline {name} ...", flush=True)
        try:
            result = run_child("baseline", name, str(landing))
        except RuntimeError as exc:
            report[name] = {"error": str(exc)[-1500:]}
            continue
        result["mismatches"] = compare(report["pipeline_counts"], result["per_channel"])
        report[name] = result

    if "incremental" not in skip:
        print(f"[{size}] incremental: append day {days[DAYS]} ...", flush=True)
        link_days(source, landing, days[: DAYS + 1])
        report["incremental"] = run_child("pipeline", str(landing), str(warehouse), "keep")
        counts_incremental = pipeline_counts(warehouse)
        full61 = work / f"bench_{size}_full61.duckdb"
        print(f"[{size}] full refresh on {DAYS + 1} days (the reference for the append) ...", flush=True)
        report["full61"] = run_child("pipeline", str(landing), str(full61), "fresh")
        report["incremental_mismatches"] = compare(pipeline_counts(full61), counts_incremental, 1e-9)
        report["incremental_equal"] = not report["incremental_mismatches"]
        link_days(source, landing, days[:DAYS])
    (work / "report.json").write_text(json.dumps(report, indent=1, default=str))
    return report


def _fmt_stages(run: dict) -> str:
    order = ["ingest", "dbt", "quality gates", "staffing", "publish", "other"]
    return " | ".join(f"{run['stages'].get(s, 0):.1f}" for s in order)


def print_report(reports: list[dict]) -> None:
    print()
    print(
        "| size | landing rows | wall s | ingest | dbt | quality gates | staffing | publish | other | "
        "events/s | "
        "CPU s | peak MB (self + dbt) | load avg |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in reports:
        f = r["full"]
        print(
            f"| {r['size']} full | {f['landing_rows']:,} | {f['wall_seconds']:.1f} | {_fmt_stages(f)} | "
            f"{f['landing_rows'] / f['wall_seconds']:,.0f} | {f['cpu_seconds']:.0f} | "
            f"{f['peak_mb_self']:.0f} + {f['peak_mb_children']:.0f} | {f['load_average'][0]:.1f} |"
        )
        if "incremental" in r:
            i, g = r["incremental"], r["full61"]
            print(
                f"| {r['size']} +1 day | {i['landing_rows']:,} | {i['wall_seconds']:.1f} | "
                f"{_fmt_stages(i)} | "
                f"| {i['cpu_seconds']:.0f} | {i['peak_mb_self']:.0f} + {i['peak_mb_children']:.0f} | "
                f"{i['load_average'][0]:.1f} |"
            )
            print(
                f"| {r['size']} full 61 d | {g['landing_rows']:,} | {g['wall_seconds']:.1f} | "
                f"{_fmt_stages(g)} | "
                f"| {g['cpu_seconds']:.0f} | {g['peak_mb_self']:.0f} + {g['peak_mb_children']:.0f} | "
                f"{g['load_average'][0]:.1f} |"
            )
    print()
    print("| size | engine | wall s | CPU s | pipeline ÷ engine (wall) | peak MB | agrees with marts |")
    print("|---|---|---:|---:|---:|---:|---|")
    for r in reports:
        for name in ("floor", "polars", "pandas"):
            b = r.get(name)
            if not b:
                continue
            if "error" in b:
                print(f"| {r['size']} | {name} | failed | | | {b['error'].splitlines()[-1][:80]} |")
                continue
            ratio = r["full"]["wall_seconds"] / b["wall_seconds"]
            agree = "yes" if not b["mismatches"] else f"NO: {'; '.join(b['mismatches'][:3])}"
            print(
                f"| {r['size']} | {name} | {b['wall_seconds']:.1f} | {b['cpu_seconds']:.0f} | {ratio:.2f} | "
                f"{b['peak_mb_self'] + b['peak_mb_children']:.0f} | {agree} |"
            )
    for r in reports:
        if "incremental" in r:
            share = r["incremental"]["wall_seconds"] / r["full61"]["wall_seconds"]
            print(
                f"\n[{r['size']}] incremental one-day append: {r['incremental']['wall_seconds']:.1f} s = "
                f"{share:.0%} of a full refresh on {DAYS + 1} days ({r['full61']['wall_seconds']:.1f} s); "
                f"marts equal to the full refresh: {r['incremental_equal']}"
            )
        for label in ("full", "incremental"):
            if label in r:
                dbt = r[label]["dbt"]
                print(
                    f"[{r['size']}] dbt {label}: "
                    + ", ".join(f"{k} {v:.1f}s" for k, v in sorted(dbt["by_kind"].items()))
                    + "; slowest: "
                    + ", ".join(f"{n} {s:.1f}s" for n, s in dbt["top"][:8])
                )
        print(f"[{r['size']}] fct_contacts per channel (journeys merged): {r.get('fct_contacts')}")
    print(f"\nload average at the end: {os.getloadavg()}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        mode, *rest = argv[1:]
        if mode == "pipeline":
            result = child_pipeline(Path(rest[0]), Path(rest[1]), rest[2] == "fresh")
        else:
            result = child_baseline(rest[0], Path(rest[1]))
        print(json.dumps(result, default=str))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sizes", default="1m,10m", help="comma list of " + ", ".join(SIZES))
    parser.add_argument("--skip", default="", help="comma list of: floor, polars, pandas, incremental")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}", flush=True)
    # A scheduled refresh finds dbt's manifest up to date (it is re-parsed once per code change, not per run):
    # parse now, so that no measured run pays for `dbt parse`.
    from orchestration.defs.transform.project import ensure_manifest

    ensure_manifest()
    reports = [bench_size(size, set(filter(None, args.skip.split(",")))) for size in args.sizes.split(",")]
    print_report(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
