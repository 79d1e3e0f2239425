"""Byte-for-byte reproducible XLSX files.

openpyxl stamps the workbook's created/modified times and every zip entry's time, so the
same data saved twice gives different bytes. Templates (compared against their committed
copies) and extracts (which must not change when the data does not) go through
:func:`save_deterministic` instead of ``Workbook.save``.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# openpyxl overwrites "modified" with the current time inside save(); reset it afterwards.
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def to_bytes(workbook) -> bytes:  # openpyxl.Workbook
    """The workbook as XLSX bytes with fixed metadata times and zip entry times."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.lastModifiedBy = None
    workbook.properties.creator = "eservices-warehouse"
    raw = io.BytesIO()
    workbook.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            dst.writestr(fixed, data)
    return out.getvalue()


def save_deterministic(workbook, path: Path) -> None:
    path.write_bytes(to_bytes(workbook))
