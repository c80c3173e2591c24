"""The benchmark's baselines (bench/baselines/) agree with the pipeline's marts on a small simulator output.

Per channel: threads (marts.fct_threads), sessions (marts.fct_sessions), contacts before journey merging
(email threads, chat/sms/social sessions, voice call legs) and total active handle seconds — see
bench/baselines/__init__.py for what the baselines simplify.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.baselines import floor_duckdb, run_baseline
from bench.bench_pipeline import compare, pipeline_counts
from orchestration.cli import run_pipeline
from simulator import generate


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("baselines")
    landing = root / "landing"
    generate(landing, days=5, seed=5, agents=8)
    outcome = run_pipeline(landing, root / "warehouse.duckdb")
    assert outcome.success, outcome.errors
    counts = pipeline_counts(root / "warehouse.duckdb")
    assert set(counts) == {"all", "chat", "email", "sms", "social", "voice"}
    assert all(counts[c]["threads"] > 0 and counts[c]["handle_seconds"] > 0 for c in counts)
    return landing, counts


def test_floor_agrees_with_the_marts(built: tuple[Path, dict]) -> None:
    landing, counts = built
    assert compare(counts, floor_duckdb(landing)) == []


def test_polars_peer_agrees_with_the_marts(built: tuple[Path, dict]) -> None:
    pytest.importorskip("polars")
    landing, counts = built
    assert compare(counts, run_baseline("polars", landing)) == []


def test_pandas_peer_agrees_with_the_marts(built: tuple[Path, dict]) -> None:
    landing, counts = built
    assert compare(counts, run_baseline("pandas", landing)) == []
