"""Data Docs pages are rewritten to vendored assets; an unknown CDN asset is an error."""

from pathlib import Path

import pytest

from expectations import data_docs_offline

PAGE = """<html><head>
<link href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css" rel="stylesheet">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css">
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<link rel="shortcut icon" href="static/images/favicon.ico">
</head><body><a href="https://greatexpectations.io">GX</a>
<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1" alt="GX">
</body></html>"""  # noqa: E501


def test_pages_load_only_vendored_local_assets(tmp_path: Path) -> None:
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "favicon.ico").write_bytes(b"ico")
    page = tmp_path / "validations" / "suite" / "run.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE, encoding="utf-8")
    assert data_docs_offline.make_offline(tmp_path) == 1
    html = page.read_text(encoding="utf-8")
    assert 'href="../../static/vendor/bootstrap.min.css"' in html
    assert 'src="../../static/vendor/jquery.min.js"' in html
    assert "vega" not in html and "bootstrap-dark" not in html and "amazonaws" not in html
    assert 'href="../../static/images/favicon.ico"' in html  # GX's wrong depth, fixed
    assert 'href="https://greatexpectations.io"' in html  # a link, not an asset
    vendor = tmp_path / "static" / "vendor"
    assert (vendor / "jquery.min.js").is_file()
    assert (vendor / "fontawesome" / "webfonts" / "fa-solid-900.woff2").is_file()
    assert (vendor / "LICENSES.txt").is_file()


@pytest.mark.parametrize(
    "tag",
    [
        '<script src="https://cdn.example.org/new-library.js"></script>',
        "<link rel='icon' href='https://cdn.example.org/new-library.js'>",
        '<link href="https://cdn.example.org/new-library.js" rel="preload" as="script">',
    ],
)
def test_an_unknown_network_asset_is_an_error(tmp_path: Path, tag: str) -> None:
    (tmp_path / "index.html").write_text(tag, encoding="utf-8")
    with pytest.raises(data_docs_offline.UnknownAsset, match=r"new-library\.js"):
        data_docs_offline.make_offline(tmp_path)
