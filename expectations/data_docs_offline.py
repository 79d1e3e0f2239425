"""Great Expectations Data Docs that open offline.

GX's Data Docs pages load jQuery, Bootstrap, bootstrap-table, a date picker, Font Awesome
(icons), Vega and a logo from public CDNs: offline, or on an agency PC without internet, the
index shows two buttons and blank icons. The extract's Data Docs are made self-contained here:
each page's CDN references are rewritten to copies vendored in ``data_docs_assets/`` (from the
npm registry; licences in ``LICENSES.txt``), which are copied beside the pages. References
nothing on the pages uses are dropped (Vega, when no chart calls ``vegaEmbed``; the dark-mode
stylesheet; the remote logo, replaced by its alt text). A CDN reference this module does not
know is an error, so a GX upgrade cannot silently bring back an online page.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent / "data_docs_assets"
VENDOR_DIR = ("static", "vendor")  # inside the Data Docs site

# CDN address (without the version-independent query) → vendored file.
VENDORED = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome/css/all.min.css"
    ),
}
VEGA = ("https://cdn.jsdelivr.net/npm/vega@5", "https://cdn.jsdelivr.net/npm/vega-lite@5",
        "https://cdn.jsdelivr.net/npm/vega-embed@6")  # fmt: skip
DARK_MODE = "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
LOGO = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

_REL = re.compile(r"""\brel=["']([^"']+)["']""")
# <link rel=…> values the browser loads: these must be local (anything else is a plain link)
_LOADED_RELS = {"stylesheet", "icon", "shortcut icon", "preload", "modulepreload", "prefetch",
                "apple-touch-icon", "manifest"}  # fmt: skip
_TAG = re.compile(
    r"""<(script|link|img)\b[^>]*?(?:src|href)=["'](https?://[^"']+)["'][^>]*>(</script>)?"""
)


_LOCAL = re.compile(r"<(?:script|link|img)\b[^>]*?(?:src|href)=\"(?![a-z]+:|#)([^\"]+)\"")


def _fix_local(html: str, page: Path, docs_dir: Path) -> str:
    """GX writes some pages' own assets one folder off (a validation page's favicon points
    at ``validations/static/…``): point a missing local asset at the site's ``static/``."""

    def fix(match: re.Match[str]) -> str:
        target = match.group(1)
        if (page.parent / target).exists() or "static/" not in target:
            return match.group(0)
        found = docs_dir / "static" / target.split("static/", 1)[1]
        if not found.exists():
            return match.group(0)
        return match.group(0).replace(target, os.path.relpath(found, page.parent))

    return _LOCAL.sub(fix, html)


class UnknownAsset(RuntimeError):
    """A Data Docs page loads something from the network that is not vendored."""


def _rewrite(html: str, to_vendor: str) -> str:
    uses_vega = "vegaEmbed(" in html

    def replace(match: re.Match[str]) -> str:
        tag, url = match.group(1), match.group(2)
        rel = _REL.search(match.group(0))
        if tag == "link" and rel and rel.group(1).lower() not in _LOADED_RELS:
            return match.group(0)  # a link to a page (canonical, help), not something loaded
        if url in VENDORED:
            return match.group(0).replace(url, f"{to_vendor}/{VENDORED[url]}")
        if url.startswith(DARK_MODE) or (url in VEGA and not uses_vega):
            return ""
        if tag == "img" and url.startswith(LOGO):
            return '<span class="navbar-brand">Great Expectations</span>'
        raise UnknownAsset(f"Data Docs load {url}: vendor it in {ASSETS_DIR.name}/")

    return _TAG.sub(replace, html)


def make_offline(docs_dir: Path) -> int:
    """Rewrite every page of the Data Docs site in ``docs_dir`` to the vendored assets and
    copy them in. Returns the number of pages rewritten."""
    vendor = docs_dir.joinpath(*VENDOR_DIR)
    shutil.copytree(
        ASSETS_DIR, vendor, dirs_exist_ok=True, ignore=shutil.ignore_patterns("LICENSES.txt")
    )
    shutil.copy2(ASSETS_DIR / "LICENSES.txt", vendor / "LICENSES.txt")
    pages = 0
    for page in sorted(docs_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        to_vendor = os.path.relpath(vendor, page.parent)
        page.write_text(_fix_local(_rewrite(html, to_vendor), page, docs_dir), encoding="utf-8")
        pages += 1
    return pages
