"""Sniffing real-world CSV files: checksum, encoding (UTF-8 ± BOM or Windows-1257), delimiter.

Shared by the portal loader and the institutional intake. One streaming pass over the bytes
computes the sha256 and checks UTF-8 validity, so files larger than memory are fine.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 16


@dataclass(frozen=True)
class TextSniff:
    sha256: str
    size: int
    encoding: str  # python codec: "utf-8-sig" or "cp1257"
    delimiter: str
    header: list[str]

    @property
    def encoding_label(self) -> str:
        return "UTF-8" if self.encoding == "utf-8-sig" else "Windows-1257"


def scan(path: Path) -> tuple[str, bool, int]:
    """sha256, whether every byte is valid UTF-8, and size: one pass, constant memory."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return digest.hexdigest(), utf8, size


def sniff_csv(path: Path) -> TextSniff:
    """Encoding, delimiter (``;`` if the header has more of them than ``,``) and header."""
    sha256, is_utf8, size = scan(path)
    encoding = "utf-8-sig" if is_utf8 else "cp1257"
    with path.open(encoding=encoding, newline="") as fh:
        line = fh.readline().rstrip("\r\n")
    delimiter = ";" if line.count(";") > line.count(",") else ","
    header = next(csv.reader([line], delimiter=delimiter), []) if line else []
    return TextSniff(sha256, size, encoding, delimiter, header)
