"""The portal DAG with source=ckan, run by real Airflow against a local CKAN-shaped server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pytest_httpserver import HTTPServer

from ingest.config import Settings
from stack import pipeline, warehouse
from tests.conftest import pipeline_settings
from tests.portal.ckan_fake import DATASET, FakeCkan

pytestmark = pytest.mark.integration


def test_portal_dag_loads_from_ckan(
    pg_settings: Settings, tmp_path: Path, httpserver: HTTPServer
) -> None:
    fake = FakeCkan(httpserver)
    settings = pipeline_settings(
        pg_settings,
        "e2e_ckan",
        tmp_path,
        portal_source="ckan",
        ckan_base_url=fake.base_url,
        ckan_dataset_id=DATASET,
    )
    url = warehouse.ensure_ready(settings).url
    pipeline.init_airflow(settings, url)
    step = pipeline.DagStep("portal_statistics_nightly", {"source": "ckan"})
    env = {"CKAN_BASE_URL": fake.base_url, "CKAN_DATASET_ID": DATASET}
    pipeline.trigger(settings, url, step, extra_env=env)
    with psycopg.connect(url) as conn:
        loaded = conn.execute(
            "select count(*), sum(request_count) from raw.portal_requests"
        ).fetchone()
        quarantined = conn.execute(
            "select source_line, reason from raw.portal_requests_quarantine"
        ).fetchall()
        resources = conn.execute(
            "select resource_id from audit.portal_resources order by 1"
        ).fetchall()
    assert loaded == (6, 30 + sum(10 + i for i in range(5)))
    assert quarantined == [(3, "negative number")]
    assert resources == [("res-2016",), ("res-2017",)]
    assert fake.count("/download/portal-2016.csv") == 1
