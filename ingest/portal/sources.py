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

from ingest import lineage, sqlfiles, textfiles
from ingest.portal import schema
from ingest.portal.ckan import CkanClient, CkanError, Resource
from ingest.portal.load import LOADER, PortalLoadResult, load_file
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


def load_one(conninfo: str, path: Path, source_uri: str, **options) -> PortalLoadResult:
    """:func:`load_file`, with whatever the file itself provokes turned into a ``failed``
    result (recorded as a batch with its checksum), so one file never stops the others. The
    database being unreachable is not the file's fault: that still raises."""
    try:
        return load_file(conninfo, path, source_uri=source_uri, **options)
    except psycopg.OperationalError:
        raise
    except Exception as exc:
        log.exception("%s: unexpected error", source_uri)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        lineage.record_batch(
            conninfo, loader=LOADER, source_uri=source_uri,
            source_sha256=textfiles.sha256_of(path) if path.exists() else "",
            status="failed", message=message, is_synthetic=False,
        )  # fmt: skip
        return PortalLoadResult(source_uri, "failed", message=message)


def sync_files(
    conninfo: str,
    folder: Path,
    period_range: PeriodRange | None = None,
    **options,
) -> list[PortalLoadResult]:
    """Load every new or changed export in the drop folder (unchanged files are skipped);
    ``options`` go to :func:`ingest.portal.load.load_file` (force, force_replace, …)."""
    files = drop_folder_files(folder)
    results = []
    for i, path in enumerate(files, start=1):
        result = load_one(conninfo, path, f"file://{path}", period_range=period_range, **options)
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
    **options,
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
            try:
                if resource.url and resource.format == "csv":
                    client.download(resource.url, target, catalogue_hash=resource.hash)
                else:
                    _datastore_to_csv(client, resource, target)
            except CkanError as exc:  # this resource only; the others still load
                log.error("[%s/%s] %s", i, len(resources), exc)
                lineage.record_batch(
                    conninfo, loader=LOADER, source_uri=uri, source_sha256="", status="failed",
                    message=str(exc), is_synthetic=False,
                )  # fmt: skip
                results.append(PortalLoadResult(uri, "failed", message=str(exc)))
                continue
            result = load_one(
                conninfo, target, uri, period_range=period_range, force=force, **options
            )
            if result.status in ("loaded", "unchanged"):
                _record_resource(conninfo, resource, result.source_sha256)
            log.info("[%s/%s] %s", i, len(resources), result.describe())
            results.append(result)
    return results
