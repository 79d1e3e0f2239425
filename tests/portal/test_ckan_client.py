"""The CKAN client against a local CKAN-shaped HTTP server (pytest-httpserver)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.portal.ckan import CkanClient, CkanError, TruncatedDownload

DATASET = "latvija-lv-e-pakalpojumu-statistika"


def ok(result: object) -> dict:
    return {"help": "…", "success": True, "result": result}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits urllib3's Retry would make (recorded, not slept)."""
    from urllib3.util.retry import Retry

    waited: list[float] = []

    def sleep_for_retry(self: Retry, response) -> bool:
        after = self.get_retry_after(response)
        if after:
            waited.append(after)
        return bool(after)

    def sleep_backoff(self: Retry) -> None:
        if (backoff := self.get_backoff_time()) > 0:
            waited.append(backoff)

    monkeypatch.setattr(Retry, "sleep_for_retry", sleep_for_retry)
    monkeypatch.setattr(Retry, "_sleep_backoff", sleep_backoff)
    return waited


@pytest.fixture
def client(httpserver: HTTPServer, sleeps: list[float]) -> CkanClient:
    return CkanClient(httpserver.url_for("/"), max_attempts=3, backoff_seconds=0.5, timeout=2)


def test_package_show_lists_resources(httpserver: HTTPServer, client: CkanClient) -> None:
    resource = {
        "id": "r1",
        "name": "2016",
        "url": "http://x/r1.csv",
        "format": "CSV",
        "last_modified": "2017-01-05T10:00:00",
        "hash": "abc",
    }
    httpserver.expect_request(
        "/api/3/action/package_show", query_string={"id": DATASET}
    ).respond_with_json(ok({"resources": [resource]}))
    (resource,) = client.package_show(DATASET)
    assert (resource.id, resource.format, resource.hash) == ("r1", "csv", "abc")
    assert resource.version_tag == "abc|2017-01-05T10:00:00"


def test_datastore_search_follows_pagination(httpserver: HTTPServer, client: CkanClient) -> None:
    records = [{"_id": i, "service_code": f"EP{i}"} for i in range(5)]

    def page(request: Request) -> Response:
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        body = ok({"records": records[offset : offset + limit], "total": len(records)})
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/api/3/action/datastore_search").respond_with_handler(page)
    got = list(client.datastore_search("r1", page_size=2))
    assert [r["service_code"] for r in got] == ["EP0", "EP1", "EP2", "EP3", "EP4"]
    offsets = [int(req.args["offset"]) for req, _ in httpserver.log]
    assert offsets == [0, 2, 4]


def test_500_then_200_is_retried_with_backoff(
    httpserver: HTTPServer, client: CkanClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/3/action/package_show").respond_with_data(
        "boom", status=500
    )
    httpserver.expect_ordered_request("/api/3/action/package_show").respond_with_json(
        ok({"resources": []})
    )
    assert client.package_show(DATASET) == []
    assert len(httpserver.log) == 2  # urllib3 retries the first failure at once


def test_429_honours_retry_after(
    httpserver: HTTPServer, client: CkanClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/3/action/package_show").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/api/3/action/package_show").respond_with_json(
        ok({"resources": []})
    )
    client.package_show(DATASET)
    assert sleeps == [7.0]


def test_gives_up_after_max_attempts_naming_the_problem(
    httpserver: HTTPServer, client: CkanClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/api/3/action/package_show").respond_with_data("down", status=503)
    with pytest.raises(CkanError, match="gave up after 3 attempts \\(HTTP 503\\)"):
        client.package_show(DATASET)
    assert sleeps == [1.0]  # urllib3: no wait before the first retry, then 0.5 × 2


def test_connection_error_is_retried(sleeps: list[float]) -> None:
    client = CkanClient("http://127.0.0.1:9", max_attempts=3, backoff_seconds=0.1, timeout=2)
    with pytest.raises(CkanError, match="gave up after 3 attempts \\(ConnectionError"):
        client.package_show(DATASET)
    assert sleeps == [0.2]


def test_a_time_out_is_retried(httpserver: HTTPServer) -> None:
    import time as _time

    calls: list[int] = []

    def slow_then_fast(_request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            _time.sleep(1.5)
        return Response(json.dumps(ok({"resources": []})), content_type="application/json")

    httpserver.expect_request("/api/3/action/package_show").respond_with_handler(slow_then_fast)
    client = CkanClient(httpserver.url_for("/"), max_attempts=4, timeout=0.5, backoff_seconds=0)
    assert client.package_show(DATASET) == []
    assert len(calls) >= 2  # the one-threaded server answers the retries after the slow one


def test_api_error_is_reported(httpserver: HTTPServer, client: CkanClient) -> None:
    httpserver.expect_request("/api/3/action/package_show").respond_with_json(
        {"success": False, "error": {"message": "Not found", "__type": "Not Found Error"}},
        status=404,
    )
    with pytest.raises(CkanError, match=r"HTTP 404.*Not found"):
        client.package_show("nope")


def test_download_streams_to_file(
    httpserver: HTTPServer, client: CkanClient, tmp_path: Path
) -> None:
    httpserver.expect_request("/r1.csv").respond_with_data(b"a,b\n1,2\n")
    target = tmp_path / "r1.csv"
    sha = client.download(httpserver.url_for("/r1.csv"), target)
    assert target.read_bytes() == b"a,b\n1,2\n"
    assert len(sha) == 64


def test_truncated_download_is_refused(
    httpserver: HTTPServer, client: CkanClient, tmp_path: Path, sleeps: list[float]
) -> None:
    def short(_request: Request) -> Response:
        response = Response(b"a,b\n1,2\n", content_type="text/csv")
        response.headers["Content-Length"] = "100"  # announces more than it sends
        response.automatically_set_content_length = False
        return response

    httpserver.expect_request("/r1.csv").respond_with_handler(short)
    target = tmp_path / "r1.csv"
    with pytest.raises(TruncatedDownload, match="not loaded; the next run tries again"):
        client.download(httpserver.url_for("/r1.csv"), target)
    assert not target.exists() and not list(tmp_path.iterdir())  # nothing half-written is left


def test_a_file_changed_under_the_same_name_is_refused(
    httpserver: HTTPServer, client: CkanClient, tmp_path: Path
) -> None:
    import hashlib

    listed = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    httpserver.expect_request("/r1.csv").respond_with_data(b"a,b\n1,3\n")  # not those bytes
    with pytest.raises(CkanError, match="differs from the catalogue's hash"):
        client.download(httpserver.url_for("/r1.csv"), tmp_path / "r1.csv", catalogue_hash=listed)
    assert not list(tmp_path.iterdir())
    httpserver.clear()
    httpserver.expect_request("/r1.csv").respond_with_data(b"a,b\n1,2\n")
    assert client.download(httpserver.url_for("/r1.csv"), tmp_path / "r1.csv", listed) == listed
