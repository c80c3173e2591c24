"""The Dagster definitions load, and their asset keys line up with the warehouse."""

import dagster as dg

from orchestration.definitions import defs
from orchestration.landing import SOURCES


def test_definitions_load_with_every_stage():
    definitions = defs()
    keys = {key.to_user_string() for key in definitions.resolve_all_asset_keys()}
    for source in SOURCES:
        assert f"raw/{source}" in keys
    assert "staging/stg_email__messages" in keys
    job = definitions.resolve_job_def("refresh")
    assert isinstance(job, dg.JobDefinition)


def test_dbt_sources_are_the_ingestion_assets():
    """dbt's source('raw', 'email') and the ingestion asset ["raw", "email"] are one node (no translator)."""
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    staged = graph.get(dg.AssetKey(["staging", "stg_email__messages"]))
    assert dg.AssetKey(["raw", "email"]) in staged.parent_keys
    assert graph.get(dg.AssetKey(["raw", "email"])).is_materializable
