"""SPEC §10.1, the seed email, under three counting approaches.

    | approach         | contacts | handle seconds | AHT seconds |
    | thread / active  | 1        | 600            | 600         |
    | thread / elapsed | 1        | 4200           | 4200        |
    | message / active | 3        | 600            | 200         |
    and first_response_seconds = 420 for the thread.

The case is in tests/fixtures/landing_small (email m1, m2, m3 and a1's three segments, beside one item of
every other channel). The helpers here (`ingest_landing`, `run_dbt`, `email_policy`) are reusable by other
test modules: one warehouse, one full `dbt build` of the sessionization models (which runs their unit and data
tests), then one `dbt run` per policy variant written through `orchestration.policy.write_policy_override`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.defs.ingestion.loader import ingest
from orchestration.paths import DBT_PROJECT_DIR, DEFAULT_POLICY_CSV, PROJECT_ROOT
from orchestration.policy import write_policy_override

LANDING_SMALL = PROJECT_ROOT / "tests" / "fixtures" / "landing_small"
SESSIONIZATION_MARTS = "+fct_contacts +fct_threads +fct_sessions +fct_journeys"
# The models that change with the policy, up to fct_contacts (raw staging is not rebuilt).
POLICY_DEPENDENTS = "stg_seeds__channel_policies+,+fct_contacts"
POLICY_OVERRIDE = {"policy_override": True}


def ingest_landing(warehouse: Path, landing: Path = LANDING_SMALL) -> None:
    """Load a landing zone into the raw layer of `warehouse`."""
    con = duckdb.connect(str(warehouse))
    try:
        ingest(con, landing)
    finally:
        con.close()


def run_dbt(
    warehouse: Path,
    work_dir: Path,
    command: str = "build",
    select: str = SESSIONIZATION_MARTS,
    dbt_vars: Mapping[str, object] | None = None,
    extra: list[str] | None = None,
) -> None:
    """Run dbt (a subprocess: dbt-duckdb keeps its database open in-process) against `warehouse`, with target
    and logs under `work_dir`; raise with dbt's output on failure."""
    args = [
        str(Path(sys.executable).parent / "dbt"),
        command,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        "--select", *select.split(),
        "--indirect-selection", "cautious",  # only tests whose parents are all selected
    ]  # fmt: skip
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    args += extra or []
    env = {**os.environ, "ASYNCWFM_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [
            line for line in done.stdout.splitlines() if "ERROR" in line or "FAIL" in line or "Error" in line
        ]
        raise AssertionError(
            f"dbt {command} failed:\n" + "\n".join(lines[-40:] or done.stdout.splitlines()[-40:])
        )


def email_policy(**email_columns: object) -> pd.DataFrame:
    """The default policy with the email row changed."""
    policy = pd.read_csv(DEFAULT_POLICY_CSV, dtype=str, keep_default_na=False)
    for column, value in email_columns.items():
        policy.loc[policy["channel"] == "email", column] = str(value).lower()
    return policy


def apply_policy(
    warehouse: Path, work_dir: Path, policy: pd.DataFrame, select: str = SESSIONIZATION_MARTS
) -> str:
    """Write `policy` as the run's override and rebuild the sessionization models under it."""
    con = duckdb.connect(str(warehouse))
    try:
        version = write_policy_override(con, policy)
    finally:
        con.close()
    run_dbt(warehouse, work_dir, command="run", select=select, dbt_vars=POLICY_OVERRIDE)
    return version


def email_contacts(warehouse: Path) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(
            "select * from marts.fct_contacts where channel = 'email' order by started_at, contact_id"
        ).df()
    finally:
        con.close()


APPROACHES = {
    "thread/active": {"contact_unit": "thread", "handle_time_basis": "active"},
    "thread/elapsed": {"contact_unit": "thread", "handle_time_basis": "elapsed"},
    "message/active": {"contact_unit": "message", "handle_time_basis": "active"},
}


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, pd.DataFrame]]:
    work_dir = tmp_path_factory.mktemp("reference_case")
    warehouse = work_dir / "warehouse.duckdb"
    ingest_landing(warehouse)
    # Every run reads the policy through the override (same dbt vars each time, so dbt parses once).
    con = duckdb.connect(str(warehouse))
    try:
        write_policy_override(con, email_policy())
    finally:
        con.close()
    run_dbt(warehouse, work_dir, dbt_vars=POLICY_OVERRIDE)  # with the unit and data tests of the models
    results = {"default": email_contacts(warehouse)}
    for name, columns in APPROACHES.items():
        version = apply_policy(warehouse, work_dir, email_policy(**columns), select=POLICY_DEPENDENTS)
        contacts = email_contacts(warehouse)
        assert set(contacts["policy_version"]) == {version}
        results[name] = contacts
    yield results


@pytest.mark.parametrize(
    ("approach", "contacts", "handle_seconds", "aht_seconds"),
    [
        ("thread/active", 1, 600, 600),
        ("thread/elapsed", 1, 4200, 4200),
        ("message/active", 3, 600, 200),
    ],
)
def test_reference_table(reference_results, approach, contacts, handle_seconds, aht_seconds):
    df = reference_results[approach]
    assert len(df) == contacts
    assert df["handle_seconds"].sum() == pytest.approx(handle_seconds)
    assert df["handle_seconds"].mean() == pytest.approx(aht_seconds)


def test_first_response_of_the_thread(reference_results):
    thread = reference_results["thread/active"].iloc[0]
    assert thread["first_response_seconds"] == pytest.approx(420)
    assert thread["n_messages"] == 3
    assert thread["span_seconds"] == pytest.approx(4200)
    # sessions {m1, m2} 09:00-09:07 and {m3 + reading} 10:07-10:10
    assert thread["engaged_seconds"] == pytest.approx(600)


def test_default_policy_counts_the_email_by_thread(reference_results):
    df = reference_results["default"]
    assert len(df) == 1
    assert df["contact_unit"].iloc[0] == "thread"
    assert df["handle_seconds"].iloc[0] == pytest.approx(600)


def test_message_contacts_split_the_handle_time(reference_results):
    df = reference_results["message/active"]
    assert sorted(df["handle_seconds"]) == pytest.approx([120, 180, 300])
