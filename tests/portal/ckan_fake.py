"""A CKAN-shaped dataset on pytest-httpserver: one CSV resource and one datastore resource."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DATASET = "latvija-lv-e-pakalpojumu-statistika"
CSV_2016 = (
    "Kods;Iestāde;Periods;Kanāls;Pieprasījumu skaits;Nosaukums\n"
    "EP72;VDI;2016-01;latvija.lv;30;Iesniegums Darba inspekcijai\n"
    "EP72;VDI;2016-02;latvija.lv;-1;negatīvs\n"
).encode("cp1257")
DATASTORE_2017 = [
    {"_id": i + 1, "service_code": "EP88", "institution_code": "VDI", "period": f"2017-{i + 1:02d}",
     "channel": "portal", "requests": 10 + i}
    for i in range(5)
]  # fmt: skip


class FakeCkan:
    """Serves package_show, the CSV download and datastore_search; counts downloads."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.last_modified = "2017-01-05T10:00:00"
        server.expect_request("/api/3/action/package_show").respond_with_handler(self._package)
        server.expect_request("/download/portal-2016.csv").respond_with_handler(self._download)
        server.expect_request("/api/3/action/datastore_search").respond_with_handler(
            self._datastore
        )

    @property
    def base_url(self) -> str:
        return self.server.url_for("/")

    def count(self, path: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path == path)

    def _package(self, _request: Request) -> Response:
        resources = [
            {"id": "res-2016", "name": "2016", "format": "CSV",
             "url": self.server.url_for("/download/portal-2016.csv"),
             "last_modified": self.last_modified, "hash": ""},
            {"id": "res-2017", "name": "2017", "format": "", "url": "", "datastore_active": True,
             "last_modified": "2018-01-03T08:00:00"},
            {"id": "doc", "name": "methodology", "format": "PDF", "url": "http://x/doc.pdf"},
        ]  # fmt: skip
        body = {"success": True, "result": {"name": DATASET, "resources": resources}}
        return Response(json.dumps(body), content_type="application/json")

    def _download(self, _request: Request) -> Response:
        return Response(CSV_2016, content_type="text/csv")

    def _datastore(self, request: Request) -> Response:
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        records = DATASTORE_2017[offset : offset + limit]
        body = {"success": True, "result": {"records": records, "total": len(DATASTORE_2017)}}
        return Response(json.dumps(body), content_type="application/json")
