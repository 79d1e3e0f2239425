"""Sources end to end on a real PostgreSQL: the drop folder and a CKAN-shaped API."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pytest_httpserver import HTTPServer

from ingest.portal import nightly, synthetic
from ingest.portal.ckan import CkanClient
from ingest.portal.sources import sync_ckan, sync_files
from tests.portal.ckan_fake import DATASET, FakeCkan


def _sum(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select coalesce(sum(request_count), 0) from raw.portal_requests"
        ).fetchone()[0]


def test_ckan_sync_loads_csv_and_datastore_then_skips_unchanged(
    db_url: str, httpserver: HTTPServer
) -> None:
    fake = FakeCkan(httpserver)
    client = CkanClient(fake.base_url, backoff_seconds=0)
    first = sync_ckan(db_url, client, DATASET)
    assert [r.status for r in first] == ["loaded", "loaded"]  # the PDF is not a statistics file
    assert (first[0].rows_loaded, first[0].rows_quarantined) == (1, 1)
    assert first[1].rows_loaded == 5
    assert _sum(db_url) == 30 + sum(10 + i for i in range(5))

    second = sync_ckan(db_url, client, DATASET)
    assert [r.status for r in second] == ["unchanged", "unchanged"]
    assert fake.count("/download/portal-2016.csv") == 1  # not downloaded again
    assert fake.count("/api/3/action/datastore_search") == 1

    fake.last_modified = "2017-02-01T09:00:00"  # the portal corrected the 2016 file
    third = sync_ckan(db_url, client, DATASET)
    assert fake.count("/download/portal-2016.csv") == 2
    assert third[0].status == "unchanged"  # same bytes: downloaded, but nothing to reload


def test_drop_folder_sync_and_synthetic_demo_match_the_real_2016_figures(
    db_url: str, tmp_path: Path, reference_copy: Path
) -> None:
    paths = synthetic.write_vdi_demo(reference_copy, tmp_path / "drop")
    assert len(paths) == 60
    results = sync_files(db_url, tmp_path / "drop")
    assert all(r.status == "loaded" and r.rows_quarantined == 0 for r in results)
    with psycopg.connect(db_url) as conn:
        by_code = dict(conn.execute(
            "select portal_service_code, sum(request_count) from raw.portal_requests"
            " where period_start between '2016-01-01' and '2016-12-01' group by 1"
        ).fetchall())  # fmt: skip
        flags = conn.execute("select distinct is_synthetic from raw.portal_requests").fetchall()
    assert by_code["EP72"] == 331 and by_code["SYN-VDI-07"] == 2189 and by_code["EP96"] == 206
    assert sum(v for k, v in by_code.items() if k != synthetic.UNPLANNED_CODE) == 7350
    assert flags == [(True,)]
    assert all(r.status == "unchanged" for r in sync_files(db_url, tmp_path / "drop"))


def test_nightly_raises_naming_unreadable_files_after_loading_the_rest(
    fresh_db, db_url: str, tmp_path: Path
) -> None:
    from dataclasses import replace

    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a_good.csv").write_text(
        "service_code,institution_code,period,channel,requests\nEP72,VDI,2016-01,portal,3\n"
    )
    (drop / "b_bad.csv").write_text("code,period\nEP72,2016-01\n")
    settings = replace(fresh_db, portal_drop_dir=drop)
    summary = nightly.run(db_url, settings)
    assert _sum(db_url) == 3
    with pytest.raises(nightly.PortalLoadFailed, match=r"b_bad\.csv: FAILED: b_bad\.csv: missing"):
        nightly.raise_for_problems(summary.problems)


def test_missing_drop_folder_is_a_clear_error(fresh_db, db_url: str, tmp_path: Path) -> None:
    from dataclasses import replace

    settings = replace(fresh_db, portal_drop_dir=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"portal drop folder .*nowhere does not exist"):
        nightly.run(db_url, settings)


def test_synthetic_demo_is_deterministic(tmp_path: Path, reference_copy: Path) -> None:
    a = synthetic.write_vdi_demo(reference_copy, tmp_path / "a")
    b = synthetic.write_vdi_demo(reference_copy, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


@pytest.mark.parametrize(
    ("total", "weights"), [(0, [1, 1]), (7, [1, 1, 1]), (2189, [0.7, 0.2, 0.1])]
)
def test_split_exactly_adds_up(total: int, weights: list[float]) -> None:
    parts = synthetic.split_exactly(total, weights)
    assert sum(parts) == total and all(p >= 0 for p in parts)
