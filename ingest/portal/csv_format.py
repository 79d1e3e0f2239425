"""Reading real-world portal CSV exports as a stream of canonical rows.

Exports arrive as UTF-8 (with or without a BOM) or Windows-1257, separated by ``,`` or ``;``,
with Latvian or English headers. :func:`sniff` decides encoding and delimiter and maps the
header in one streaming pass (which also yields the file's sha256); :func:`canonical_rows`
then yields one tuple per data line without ever holding the file in memory.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest import textfiles
from ingest.config import PORTAL_LIMITS, InputLimits
from ingest.portal.schema import (
    CANONICAL,
    REQUIRED,
    TRANSACTION_REQUIRED,
    canonical_header,
    kind_of,
)

log = logging.getLogger(__name__)


class PortalFileError(ValueError):
    """The file as a whole cannot be read (its rows are not even reachable)."""


@dataclass(frozen=True)
class FileFormat:
    """How to read one export file."""

    encoding: str  # python codec: "utf-8-sig" or "cp1257"
    delimiter: str
    header: list[str]
    # position in the file -> canonical column (None: unknown column, ignored)
    positions: list[str | None]
    sha256: str
    size: int
    warnings: list[str] = field(default_factory=list)
    max_cell_chars: int = PORTAL_LIMITS.max_cell_chars
    scan: textfiles.ByteScan | None = None  # line layout, for the fast reader
    kind: str = "daily"  # or "transactions": one line per transaction (schema.kind_of)

    @property
    def label(self) -> str:
        enc = textfiles.LABELS[self.encoding]
        kind = ", one line per transaction" if self.kind == "transactions" else ""
        return f"{enc}, delimiter {self.delimiter!r}, {len(self.header)} columns{kind}"


def sniff(path: Path, limits: InputLimits = PORTAL_LIMITS) -> FileFormat:
    """Encoding, delimiter and column mapping of ``path``; rejects a file missing columns,
    with bytes no text may hold (NUL, a stray byte), or beyond the size limit."""
    size = path.stat().st_size
    if size == 0:
        raise PortalFileError(f"{path.name}: the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise PortalFileError(
            f"{path.name}: {limits.describe_bytes(size)} is more than the "
            f"{limits.describe_bytes(limits.max_file_bytes)} a portal export may be"
        )
    try:
        text = textfiles.sniff_csv(path)
    except textfiles.BadBytes as exc:
        raise PortalFileError(f"{path.name}: {exc.en}") from exc
    if len(text.header) > limits.max_columns:
        raise PortalFileError(
            f"{path.name}: {len(text.header)} columns in the header (at most {limits.max_columns})"
        )
    header = text.header
    positions = [canonical_header(name) for name in header]

    warnings = []
    unknown = [name for name, canon in zip(header, positions, strict=True) if canon is None]
    if unknown:
        warnings.append(f"{path.name}: ignored unknown column(s): {', '.join(unknown)}")
    seen: dict[str, str] = {}
    for name, canon in zip(header, positions, strict=True):
        if canon is None:
            continue
        if canon in seen:
            raise PortalFileError(
                f"{path.name}: columns {seen[canon]!r} and {name!r} both mean {canon}"
            )
        seen[canon] = name
    kind = kind_of(set(seen))
    if kind == "daily" and "timestamp" in seen:
        warnings.append(
            f"{path.name}: column {seen['timestamp']!r} ignored (the file has periods and counts)"
        )
    missing = [c for c in (TRANSACTION_REQUIRED if kind == "transactions" else REQUIRED)
               if c not in seen]  # fmt: skip
    if missing:
        raise PortalFileError(
            f"{path.name}: missing required column(s): {', '.join(missing)} "
            f"(header was: {', '.join(header)[:300]})"
        )
    for warning in warnings:
        log.warning(warning)
    return FileFormat(
        text.encoding,
        text.delimiter,
        header,
        positions,
        text.sha256,
        text.size,
        warnings,
        limits.max_cell_chars,
        text.scan,
        kind,
    )


def canonical_rows(path: Path, fmt: FileFormat) -> Iterator[tuple[object, ...]]:
    """Yield ``(line_no, *CANONICAL values, parse_error)`` per data record, streaming.

    A record with the wrong number of fields is still yielded (so it can be quarantined,
    never dropped), with ``parse_error`` saying what is wrong.
    """
    index = {canon: i for i, canon in enumerate(fmt.positions) if canon is not None}
    width = len(fmt.header)
    previous_limit = csv.field_size_limit(fmt.max_cell_chars)
    try:
        yield from _records(path, fmt, index, width)
    finally:
        csv.field_size_limit(previous_limit)


def _records(path: Path, fmt: FileFormat, index: dict[str, int], width: int):
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=fmt.encoding, newline="")
        reader = csv.reader(text, delimiter=fmt.delimiter, strict=True)
        next(reader, None)  # header
        while True:
            start_line = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                reason = str(exc)
                if "field larger than field limit" in reason:
                    reason = f"a value longer than {fmt.max_cell_chars} characters"
                elif "unexpected end of data" in reason:
                    reason = (
                        f"a quoted value opened on line {start_line} is never closed "
                        f"(lines {start_line}–{reader.line_num} read as one record)"
                    )
                yield (start_line, *([None] * len(CANONICAL)), f"unreadable CSV record: {reason}")
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line: nothing to load, nothing lost
            error = None
            if len(fields) != width:
                error = f"expected {width} fields, found {len(fields)}"
            values = [
                fields[index[c]] if c in index and index[c] < len(fields) else None
                for c in CANONICAL
            ]
            yield (start_line, *values, error)
