"""Email threading at scale: the `connected_components` macro (DuckDB `USING KEY` recursion) on a synthetic
reply graph, checked for correctness against the known threads and for speed.

The graph mixes 4-message threads whose replies reference every earlier message (wide), long reply chains
(deep: 30 hops, so the propagation needs many steps) and replies to a parent that never arrived. Default size
≈ 100 k messages; set ASYNCWFM_BENCH_MESSAGES=1000000 for the 1 M message measurement.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from orchestration.paths import DBT_PROJECT_DIR

MESSAGES = int(os.environ.get("ASYNCWFM_BENCH_MESSAGES", "100000"))
CHAIN = 30
INLINE = "select node, component from {{ asyncwfm.connected_components('edges', 'src', 'dst') }} as cc"


@pytest.fixture(scope="module")
def components_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    work_dir = tmp_path_factory.mktemp("cc_compile")
    done = subprocess.run(
        [
            str(os.path.join(os.path.dirname(sys.executable), "dbt")),
            "compile",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
            "--inline",
            INLINE,
            "--quiet",
        ],  # fmt: skip
        env={**os.environ, "ASYNCWFM_WAREHOUSE": str(work_dir / "compile.duckdb")},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_threads_of_a_large_reply_graph(components_sql: str):
    wide_threads = MESSAGES // 2 // 4
    chains = MESSAGES // 2 // CHAIN
    con = duckdb.connect()
    # wide: t<i>-<k> replies to t<i>-<k-1> and references all t<i>-<j<k>; every 100th thread lost its root
    con.execute(
        f"""
        create table edges as
        select 'w' || t || '-' || k as src, 'w' || t || '-' || j as dst, 'w' || t as truth
        from range({wide_threads}) a(t), range(4) b(k), range(4) c(j)
        where j < k
        union all
        select 'c' || t || '-' || k, 'c' || t || '-' || (k - 1), 'c' || t
        from range({chains}) a(t), range(1, {CHAIN}) b(k)
        """
    )
    n_messages = con.execute("select count(distinct src) from edges").fetchall()[0][0]
    n_edges = con.execute("select count(*) from edges").fetchall()[0][0]
    started = time.perf_counter()
    con.execute(f"create table components as {components_sql}")
    seconds = time.perf_counter() - started
    [(n_nodes, n_components, n_mixed)] = con.execute(
        """
        with labelled as (
            select components.node, components.component, truths.truth
            from components
            inner join (select src as node, truth from edges union select dst, truth from edges) as truths
                using (node)
        )
        select
            count(distinct node),
            count(distinct component),
            (select count(*) from (select component from labelled group by component
                                   having count(distinct truth) > 1))
        from labelled
        """
    ).fetchall()
    print(f"\n{n_messages:,} replying messages, {n_edges:,} edges, {n_nodes:,} nodes: {seconds:.2f} s")
    assert n_components == wide_threads + chains
    assert n_mixed == 0
    assert seconds < max(30.0, MESSAGES / 20000)
