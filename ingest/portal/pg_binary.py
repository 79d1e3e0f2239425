"""Rows for ``COPY … FROM STDIN (FORMAT binary)``, assembled by Arrow, not by a Python loop.

Why: at national scale PostgreSQL's parsing of the loader's CSV was the load's floor (dates,
counts and flags parsed from text, 2.2 M rows a year). The binary format hands it dates and
integers as they are stored, and the same rows load about a third faster. PostgreSQL still
checks every value (text must be valid UTF-8; NOT NULL and CHECK constraints apply).

Format (PostgreSQL docs, "COPY … Binary Format"): a header, then per row a 16-bit field count
and, per field, a 32-bit length (-1 for NULL) and the value's bytes, all big-endian; a 16-bit
-1 ends the data. Each row is built as a few per-row *pieces* — a value of a small set
(a code with its length, taken from a list encoded once), fixed-width fields packed by numpy,
a free text with its length — joined row by row by Arrow's ``binary_join_element_wise``: the
joined array's data buffer is the COPY data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01: PostgreSQL dates count from 2000
NULL_LENGTH = -1


def field_count(count: int) -> bytes:
    """The 16-bit field count that starts every row."""
    return count.to_bytes(2, "big")


def text_value(value: str, prefix: bytes = b"") -> bytes:
    """One text field: its length and UTF-8 bytes (``prefix`` first, e.g. the field count)."""
    data = value.encode("utf-8")
    return prefix + len(data).to_bytes(4, "big") + data


def pieces(values: list[bytes]) -> pa.Array:
    """An Arrow binary array of ready-made pieces (to ``take`` from, per row)."""
    import numpy as np
    import pyarrow as pa

    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(v) for v in values])
    return pa.Array.from_buffers(
        pa.binary(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(values))]
    )


def fixed(records: np.ndarray) -> pa.Array:
    """A numpy structured array (big-endian fields, no padding) as one binary piece per row."""
    import numpy as np
    import pyarrow as pa

    width = records.dtype.itemsize
    offsets = np.arange(0, (len(records) + 1) * width, width, dtype=np.int32)
    data = pa.py_buffer(records.tobytes())
    return pa.Array.from_buffers(pa.binary(), len(records), [None, pa.py_buffer(offsets), data])


def free_text(values: pa.Array) -> list[pa.Array]:
    """A nullable text column as two pieces per row: the length (-1 for NULL), the bytes."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.binary_length(values)
    raw = np.frombuffer(lengths.buffers()[1], dtype=np.int32)[
        lengths.offset : lengths.offset + len(lengths)
    ].copy()
    if values.null_count:
        bits = np.unpackbits(np.frombuffer(values.buffers()[0], dtype=np.uint8), bitorder="little")
        raw[~bits[values.offset : values.offset + len(values)].astype(bool)] = NULL_LENGTH
    header = np.zeros(len(values), dtype=[("n", ">i4")])
    header["n"] = raw
    empty = pieces([b""])[0]
    body = pc.fill_null(pc.cast(values, pa.binary()), empty)
    return [fixed(header), body]


def join(columns: list[pa.Array]) -> memoryview:
    """The rows: every column's piece of row 1, then of row 2, … (a view of Arrow's buffer)."""
    import numpy as np
    import pyarrow.compute as pc

    joined = pc.binary_join_element_wise(*columns, pieces([b""])[0])
    offsets, data = joined.buffers()[1], joined.buffers()[2]
    bounds = np.frombuffer(offsets, dtype=np.int32)[joined.offset : joined.offset + len(joined) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]
