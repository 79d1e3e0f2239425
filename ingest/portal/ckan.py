"""A small client for a CKAN Action API (the Latvian open-data portal, data.gov.lv, is CKAN).

Only what the portal statistics need: ``package_show`` to list a dataset's resources,
``datastore_search`` with ``limit``/``offset`` pagination, and streamed resource downloads.
Retries are urllib3's ``Retry`` on the session: connection errors, read time-outs, 5xx and 429
are retried with exponential backoff, honouring ``Retry-After``. A download shorter than its
``Content-Length``, or whose checksum differs from the one the catalogue lists (the file changed
under the same name), is refused with a clear error and never loaded; the warehouse keeps the
last good data and the next run tries again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class CkanError(RuntimeError):
    """The CKAN API answered with an error, or kept failing after every retry."""


class TruncatedDownload(CkanError):
    """Fewer bytes arrived than the server announced."""


class ChangedDownload(CkanError):
    """The downloaded bytes are not the ones the catalogue describes."""


@dataclass(frozen=True)
class Resource:
    """A dataset resource as ``package_show`` describes it."""

    id: str
    name: str
    url: str
    format: str
    last_modified: str | None
    hash: str | None
    datastore_active: bool

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Resource:
        return cls(
            id=data["id"],
            name=data.get("name") or data["id"],
            url=data.get("url") or "",
            format=(data.get("format") or "").lower(),
            last_modified=data.get("last_modified") or data.get("metadata_modified"),
            hash=data.get("hash") or None,
            datastore_active=bool(data.get("datastore_active")),
        )

    @property
    def version_tag(self) -> str:
        """What identifies this version of the resource without downloading it."""
        return f"{self.hash or ''}|{self.last_modified or ''}"


class CkanClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "eservices-warehouse/0.1 (+ingest.portal)")
        retry = Retry(
            total=max_attempts - 1,
            backoff_factor=backoff_seconds,
            backoff_max=max_backoff_seconds,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer comes back; _request names it
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _request(self, url: str, *, stream: bool = False, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.get(url, timeout=self.timeout, stream=stream, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise CkanError(
                f"{url}: gave up after {self.max_attempts} attempts ({type(exc).__name__}: {exc})"
            ) from exc
        if response.status_code in RETRY_STATUSES:
            response.close()
            raise CkanError(
                f"{url}: gave up after {self.max_attempts} attempts (HTTP {response.status_code})"
            )
        return response

    def action(self, name: str, **params: Any) -> Any:
        """Call ``/api/3/action/<name>`` and return its ``result``."""
        response = self._request(f"{self.base_url}/api/3/action/{name}", params=params)
        try:
            body = response.json()
        except ValueError as exc:
            raise CkanError(f"{name}: HTTP {response.status_code}, not JSON") from exc
        if response.status_code != 200 or not body.get("success"):
            error = body.get("error") if isinstance(body, dict) else None
            raise CkanError(f"{name}: HTTP {response.status_code}: {error or body}")
        return body["result"]

    def package_show(self, dataset_id: str) -> list[Resource]:
        result = self.action("package_show", id=dataset_id)
        return [Resource.from_api(r) for r in result.get("resources", [])]

    def datastore_search(
        self, resource_id: str, page_size: int = 10_000, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Every record of a datastore resource, page by page (``limit``/``offset``)."""
        offset = 0
        while True:
            result = self.action(
                "datastore_search",
                resource_id=resource_id,
                limit=page_size,
                offset=offset,
                **filters,
            )
            records = result.get("records", [])
            yield from records
            offset += len(records)
            total = result.get("total")
            if not records or (total is not None and offset >= total):
                return

    def download(self, url: str, target: Path, catalogue_hash: str | None = None) -> str:
        """Stream ``url`` to ``target`` (atomically); returns its sha256.

        Refused, with nothing left behind: a body shorter than its ``Content-Length``
        (:class:`TruncatedDownload`) and one whose sha256 or md5 differs from the catalogue's
        ``hash`` (:class:`ChangedDownload`)."""
        response = self._request(url, stream=True)
        partial = target.with_name(target.name + ".part")
        sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            if response.status_code != 200:
                raise CkanError(f"download {url}: HTTP {response.status_code}")
            expected = response.headers.get("Content-Length")
            with partial.open("wb") as fh:
                try:
                    for chunk in response.iter_content(chunk_size=1 << 16):
                        fh.write(chunk)
                        sha256.update(chunk)
                        md5.update(chunk)
                        size += len(chunk)
                except requests.RequestException as exc:  # urllib3 enforces Content-Length
                    raise TruncatedDownload(
                        f"download {url}: the body ended early ({size} bytes of "
                        f"{expected or 'unknown'}): not loaded; the next run tries again"
                    ) from exc
            if expected is not None and size != int(expected):
                raise TruncatedDownload(
                    f"download {url}: {size} of {expected} bytes arrived: not loaded; the next "
                    "run tries again"
                )
            wanted = (catalogue_hash or "").lower().removeprefix("sha256:").removeprefix("md5:")
            checkable = len(wanted) in (32, 64) and all(c in "0123456789abcdef" for c in wanted)
            if checkable and wanted not in (sha256.hexdigest(), md5.hexdigest()):
                raise ChangedDownload(
                    f"download {url}: its checksum differs from the catalogue's hash {wanted} "
                    "(the file changed under the same name, or the catalogue is stale): not "
                    "loaded; the warehouse keeps the last good data"
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            response.close()
        partial.replace(target)
        return sha256.hexdigest()
