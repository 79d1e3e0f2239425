"""A small client for a CKAN Action API (the Latvian open-data portal, data.gov.lv, is CKAN).

Only what the portal statistics need: ``package_show`` to list a dataset's resources,
``datastore_search`` with ``limit``/``offset`` pagination, and streamed resource downloads.
Every request goes through one retry loop: connection errors, timeouts, 5xx and 429 are retried
with exponential backoff, honouring ``Retry-After``; a download shorter than its
``Content-Length`` is treated as truncated and retried, never loaded.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class CkanError(RuntimeError):
    """The CKAN API answered with an error, or kept failing after every retry."""


class TruncatedDownload(CkanError):
    """Fewer bytes arrived than the server announced."""


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


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "eservices-warehouse/0.1 (+ingest.portal)")
        self.sleep = sleep

    def _wait(self, attempt: int, response: requests.Response | None) -> None:
        delay = self.backoff_seconds * 2 ** (attempt - 1)
        if response is not None and (retry_after := _retry_after_seconds(response)) is not None:
            delay = retry_after
        self.sleep(min(delay, self.max_backoff_seconds))

    def _request(self, url: str, *, stream: bool = False, **kwargs: Any) -> requests.Response:
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            response = None
            try:
                response = self.session.get(url, timeout=self.timeout, stream=stream, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                last_problem = f"HTTP {response.status_code}"
                response.close()
            if attempt < self.max_attempts:
                log.warning(
                    "%s: %s; retry %s of %s", url, last_problem, attempt, self.max_attempts - 1
                )
                self._wait(attempt, response)
        raise CkanError(f"{url}: gave up after {self.max_attempts} attempts ({last_problem})")

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

    def download(self, url: str, target: Path) -> str:
        """Stream ``url`` to ``target`` (atomically); returns its sha256. Retries truncation."""
        for attempt in range(1, self.max_attempts + 1):
            response = self._request(url, stream=True)
            if response.status_code != 200:
                raise CkanError(f"download {url}: HTTP {response.status_code}")
            expected = response.headers.get("Content-Length")
            digest = hashlib.sha256()
            size = 0
            partial = target.with_name(target.name + ".part")
            try:
                with partial.open("wb") as fh:
                    for chunk in response.iter_content(chunk_size=1 << 16):
                        fh.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                if expected is not None and size != int(expected):
                    raise TruncatedDownload(f"download {url}: {size} of {expected} bytes arrived")
            except (TruncatedDownload, requests.RequestException) as exc:
                partial.unlink(missing_ok=True)
                if attempt == self.max_attempts:
                    if isinstance(exc, TruncatedDownload):
                        raise
                    raise CkanError(f"download {url}: {exc}") from exc
                log.warning("%s; retry %s of %s", exc, attempt, self.max_attempts - 1)
                self._wait(attempt, None)
                continue
            finally:
                response.close()
            partial.replace(target)
            return digest.hexdigest()
        raise CkanError(f"download {url}: no attempt made")  # pragma: no cover
