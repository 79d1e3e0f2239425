"""Sniffing real-world CSV files: checksum, encoding, delimiter, and bytes that must not load.

Shared by the portal loader and the institutional intake. One streaming pass over the bytes
computes the sha256, decides the encoding and finds the first byte no text column may hold, so
files larger than memory are fine and nothing odd reaches PostgreSQL:

- UTF-8 (with or without a BOM) and Windows-1257 (what Excel saves on a Latvian PC) are read;
- UTF-16 and UTF-32 are recognised by their BOM and decoded;
- a NUL character, a stray byte in a UTF-8 file, a byte Windows-1257 does not define, or
  UTF-16 without a BOM are refused with the position (byte offset and line) and what to do.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

CHUNK = 1 << 16
BIG_CHUNK = 1 << 20  # after the head: fewer, larger reads of big files

_BOMS = (  # longest first: the UTF-32 LE BOM begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
LABELS = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1257": "Windows-1257",
    "utf-16": "UTF-16", "utf-32": "UTF-32",
}  # fmt: skip
SAVE_AS_UTF8 = (
    "save it as 'CSV UTF-8 (comma delimited)' and send it again",
    "saglabājiet to kā 'CSV UTF-8 (atdalīts ar komatiem)' un iesniedziet vēlreiz",
)


class BadBytes(ValueError):
    """The file holds bytes no text column may hold; ``en``/``lv`` say where and what to do."""

    def __init__(self, en: str, lv: str) -> None:
        super().__init__(en)
        self.en = en
        self.lv = lv


@dataclass(frozen=True)
class ByteScan:
    sha256: str
    size: int
    encoding: str | None  # python codec, None when the bytes cannot be read as text
    problem: BadBytes | None = None
    # Line layout, for readers that number records by line: how many line breaks (0x0A) and
    # whether the text ends without one.
    newlines: int = 0
    ends_without_newline: bool = False
    # A CR not followed by LF (old Mac line ends, "\r\r\n", a CR inside a value): readers
    # disagree on whether it ends a line, so record numbering by line cannot be trusted.
    bare_cr: bool = False

    @property
    def lines(self) -> int:
        return self.newlines + (1 if self.ends_without_newline else 0)

    @property
    def label(self) -> str:
        return LABELS.get(self.encoding or "", "unreadable")


@dataclass(frozen=True)
class TextSniff:
    sha256: str
    size: int
    encoding: str  # python codec: utf-8-sig, cp1257, utf-16 or utf-32
    delimiter: str
    header: list[str]
    scan: ByteScan | None = None

    @property
    def encoding_label(self) -> str:
        return LABELS[self.encoding]


def sha256_of(path: Path) -> str:
    """The file's sha256, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _where(offset: int, line: int) -> tuple[str, str]:
    return f"line {line} (byte {offset})", f"{line}. rindā ({offset}. baitā)"


class _Decoder:
    """Incremental decoding that remembers the absolute offset and line of the first error."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.offset = 0  # bytes fed so far
        self.lines = 1
        self.non_ascii = False  # a multi-byte character decoded: the file really is UTF-8
        self.problem: BadBytes | None = None
        self.bare_cr = False

    @property
    def newlines(self) -> int:
        return self.lines - 1

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.problem is not None:
            return
        if self.encoding in ("utf-8", "utf-8-sig", "cp1257"):
            self._feed_bytes(chunk, final)
            return
        pending = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            at = self.offset - pending + exc.start
            consumed = (exc.object[: exc.start]) if isinstance(exc.object, bytes) else b""
            line = self.lines + consumed.count(b"\n")
            self.non_ascii = self.non_ascii or not consumed.isascii()
            self.problem = self._bad(at + 1, line, exc.object[exc.start : exc.start + 1])
            return
        if "\x00" in text:
            line = self.lines + text[: text.index("\x00")].count("\n")
            self.problem = BadBytes(
                f"a NUL character on line {line}: the file is not plain text; {SAVE_AS_UTF8[0]}",
                f"NUL rakstzīme {line}. rindā: fails nav vienkāršs teksts; {SAVE_AS_UTF8[1]}",
            )
            return
        self.non_ascii = self.non_ascii or not text.isascii()
        self.lines += text.count("\n")
        self.offset += len(chunk)

    def _feed_bytes(self, chunk: bytes, final: bool) -> None:
        """Encodings where NUL and the line break are single bytes: check those on the bytes
        (memchr speed) and decode only to validate, keeping no text. Whichever problem
        comes first in the file is the one reported."""
        nul = chunk.find(b"\x00")
        pending = self.decoder.getstate()[0]
        ascii_only = chunk.isascii()
        try:
            if not ascii_only or pending or final:  # plain ASCII is valid in every encoding
                self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            data = exc.object if isinstance(exc.object, bytes) else pending + chunk
            start = exc.start  # into pending + chunk: the decoder keeps a partial character
            if nul < 0 or nul + len(pending) > start:
                at = self.offset - len(pending) + start
                self.lines += data[:start].count(b"\n") - pending.count(b"\n")
                self.non_ascii = self.non_ascii or not data[:start].isascii()
                self.problem = self._bad(at + 1, self.lines, data[start : start + 1])
                return
        if nul >= 0:
            line = self.lines + chunk[:nul].count(b"\n")
            self.problem = BadBytes(
                f"a NUL character on line {line}: the file is not plain text; {SAVE_AS_UTF8[0]}",
                f"NUL rakstzīme {line}. rindā: fails nav vienkāršs teksts; {SAVE_AS_UTF8[1]}",
            )
            return
        self.non_ascii = self.non_ascii or not ascii_only
        self.lines += chunk.count(b"\n")
        # (a CRLF split between two chunks counts as bare: the cautious answer)
        if not self.bare_cr and b"\r" in chunk:
            self.bare_cr = chunk.count(b"\r") != chunk.count(b"\r\n")
        self.offset += len(chunk)

    def _bad(self, at: int, line: int, byte: bytes) -> BadBytes:
        en, lv = _where(at, line)
        label = LABELS.get(self.encoding, self.encoding)
        return BadBytes(
            f"byte 0x{byte.hex().upper()} on {en} is not valid {label} text "
            f"(a damaged or mixed-encoding file); {SAVE_AS_UTF8[0]}",
            f"baits 0x{byte.hex().upper()} {lv} nav derīgs {label} teksts "
            f"(bojāts vai jauktu kodējumu fails); {SAVE_AS_UTF8[1]}",
        )


def _looks_like_utf16_without_bom(head: bytes) -> bool:
    sample = head[:4096]
    return len(sample) >= 8 and sample.count(0) >= len(sample) // 4


def inspect(path: Path) -> ByteScan:
    """sha256, size, encoding, line layout and the first unacceptable byte, in constant
    memory. One pass decoding UTF-8 (most files); a file that is not UTF-8 and has no real
    UTF-8 character before its first bad byte gets a second pass as Windows-1257."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        head = fh.read(CHUNK)
        encoding = next((codec for bom, codec in _BOMS if head.startswith(bom)), None)
        if encoding is None and _looks_like_utf16_without_bom(head):
            digest.update(head)
            size = len(head)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
            return ByteScan(digest.hexdigest(), size, None, BadBytes(
                "the file looks like UTF-16 without a byte-order mark (every other byte is 0); "
                + SAVE_AS_UTF8[0],
                "fails izskatās pēc UTF-16 bez baitu secības zīmes (katrs otrais baits ir 0); "
                + SAVE_AS_UTF8[1],
            ))  # fmt: skip
        decoder = _Decoder(encoding or "utf-8")
        chunk = head
        tail = b""
        while chunk:
            digest.update(chunk)
            size += len(chunk)
            decoder.feed(chunk)
            tail = chunk
            chunk = fh.read(BIG_CHUNK)
        decoder.feed(b"", final=True)
    found = ByteScan(
        digest.hexdigest(), size, encoding or "utf-8-sig", decoder.problem,
        decoder.newlines, bool(tail) and not tail.endswith(b"\n"), decoder.bare_cr,
    )  # fmt: skip
    if encoding or decoder.problem is None:
        return found
    if decoder.non_ascii or "NUL" in decoder.problem.en:
        # Real UTF-8 characters before the bad byte: a UTF-8 file with a stray byte, not a
        # Windows-1257 file (reading it as one would silently garble every Latvian letter).
        return found
    cp1257 = _Decoder("cp1257")
    with path.open("rb") as fh:
        while chunk := fh.read(BIG_CHUNK):
            cp1257.feed(chunk)
    cp1257.feed(b"", final=True)
    return replace(found, encoding="cp1257", problem=cp1257.problem)


def scan(path: Path) -> tuple[str, bool, int]:
    """sha256, whether the bytes are clean UTF-8, and size (kept for callers of old)."""
    found = inspect(path)
    return found.sha256, found.encoding == "utf-8-sig" and found.problem is None, found.size


def sniff_csv(path: Path) -> TextSniff:
    """Encoding, delimiter (``;`` if the header has more of them than ``,``) and header.

    Raises :class:`BadBytes` when the file holds bytes that must not load."""
    found = inspect(path)
    if found.problem is not None or found.encoding is None:
        raise found.problem or BadBytes("unreadable text", "nenolasāms teksts")
    with path.open(encoding=found.encoding, newline="") as fh:
        line = fh.readline().rstrip("\r\n")
    delimiter = ";" if line.count(";") > line.count(",") else ","
    header = next(csv.reader([line], delimiter=delimiter), []) if line else []
    return TextSniff(found.sha256, found.size, found.encoding, delimiter, header, found)
