"""Where portal exports come from: a drop folder of files, or a CKAN dataset.

Both end in :func:`ingest.portal.load.load_file`, so a file dropped by hand and a resource
fetched from the open-data portal are validated, quarantined and replaced the same way.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from pathlib import Path

import psycopg

from ingest import sqlfiles
from ingest.portal import schema
from ingest.portal.ckan import CkanClient, Resource
from ingest.portal.load import PortalLoadResult, load_file
from ingest.portal.periods import PeriodRange

log = logging.getLogger(__name__)


def drop_folder_files(folder: Path) -> list[Path]:
    """CSV exports in ``folder`` (not hidden, not partial downloads), in name order."""
    if not folder.is_dir():
        raise FileNotFoundError(f"portal drop folder {folder} does not exist")
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")
    )  # fmt: skip


def sync_files(
    conninfo: str,
    folder: Path,
    period_range: PeriodRange | None = None,
    *,
    force: bool = False,
) -> list[PortalLoadResult]:
    """Load every new or changed export in the drop folder (unchanged files are skipped)."""
    files = drop_folder_files(folder)
    results = []
    for i, path in enumerate(files, start=1):
        result = load_file(
            conninfo, path, source_uri=f"file://{path}", period_range=period_range, force=force
        )
        log.info("[%s/%s] %s", i, len(files), result.describe())
        results.append(result)
    return results


def _resource_unchanged(conninfo: str, resource: Resource) -> bool:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            sqlfiles.load("portal/resource_seen"), {"resource_id": resource.id}
        ).fetchone()
    return (
        row is not None
        and row == (resource.last_modified, resource.hash)
        and bool(resource.last_modified or resource.hash)
    )


def _record_resource(conninfo: str, resource: Resource, sha256: str) -> None:
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            sqlfiles.load("portal/resource_record"),
            {
                "resource_id": resource.id,
                "url": resource.url,
                "last_modified": resource.last_modified,
                "content_hash": resource.hash,
                "source_sha256": sha256,
            },
        )


def _datastore_to_csv(client: CkanClient, resource: Resource, target: Path) -> None:
    """Write a datastore resource's records as a CSV export, streaming page by page."""
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter | None = None
        for record in client.datastore_search(resource.id):
            record = {k: v for k, v in record.items() if k != "_id"}
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(record), extrasaction="ignore")
                writer.writeheader()
            writer.writerow(record)
        if writer is None:
            fh.write(",".join(schema.REQUIRED) + "\n")


def sync_ckan(
    conninfo: str,
    client: CkanClient,
    dataset_id: str,
    period_range: PeriodRange | None = None,
    *,
    force: bool = False,
    work_dir: Path | None = None,
) -> list[PortalLoadResult]:
    """Load the dataset's CSV (or datastore) resources that are new or changed."""
    resources = [
        r for r in client.package_show(dataset_id) if r.format == "csv" or r.datastore_active
    ]
    results: list[PortalLoadResult] = []
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="ckan-") as tmp:
        for i, resource in enumerate(resources, start=1):
            uri = resource.url or f"ckan://{dataset_id}/{resource.id}"
            if not force and _resource_unchanged(conninfo, resource):
                log.info(
                    "[%s/%s] %s: unchanged since the last load, not downloaded",
                    i,
                    len(resources),
                    uri,
                )
                results.append(PortalLoadResult(uri, "unchanged", message="resource not modified"))
                continue
            target = Path(tmp) / f"{resource.id}.csv"
            if resource.url and resource.format == "csv":
                client.download(resource.url, target)
            else:
                _datastore_to_csv(client, resource, target)
            result = load_file(
                conninfo, target, source_uri=uri, period_range=period_range, force=force
            )
            if result.status in ("loaded", "unchanged"):
                _record_resource(conninfo, resource, result.source_sha256)
            log.info("[%s/%s] %s", i, len(resources), result.describe())
            results.append(result)
    return results
