"""Arrow columns as numpy, and values judged once per distinct value: the pieces the portal
readers share (:mod:`ingest.portal.fast_reader` for daily exports,
:mod:`ingest.portal.transactions` for transaction-level ones).

Arrow arrays are built from numpy buffers directly and read back the same way: ``pa.array()``
and ``.to_numpy()`` would import pandas (1.7 s and ~60 MB the loader does not need).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from ingest import rules
from ingest.portal import pg_binary, schema

if TYPE_CHECKING:  # pyarrow is imported when a file is read, not when the module is
    import numpy as np
    import pyarrow as pa

_CODE = re.compile(rules.PORTAL_CODE)
_INSTITUTION = re.compile(rules.INSTITUTION_CODE)
TRUE_SPELLINGS = {"true", "t", "1", "yes"}
FALSE_SPELLINGS = {"false", "f", "0", "no"}
EPOCH = date(1970, 1, 1)  # days are counted from here in the readers' numpy arrays
EARLIEST_DAY = (rules.EARLIEST_PERIOD - EPOCH).days


def arrow_array(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A numpy array of a fixed-width type as an Arrow array (no copy, no pandas)."""
    import pyarrow as pa

    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(values)])


def bool_array(values: np.ndarray) -> pa.Array:
    import numpy as np
    import pyarrow as pa

    packed = np.packbits(values.astype(bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(packed)])


def string_array(values: list[str]) -> pa.Array:
    import numpy as np
    import pyarrow as pa

    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets), data])


def null_string_array(length: int) -> pa.Array:
    import numpy as np
    import pyarrow as pa

    validity = pa.py_buffer(np.zeros((length + 7) // 8, dtype=np.uint8))
    offsets = pa.py_buffer(np.zeros(length + 1, dtype=np.int32))
    return pa.Array.from_buffers(pa.string(), length, [validity, offsets, pa.py_buffer(b"")])


def int_view(values: pa.Array) -> np.ndarray:
    """An integer Arrow array without nulls as numpy (zero copy: .to_numpy imports pandas)."""
    import numpy as np

    raw = np.frombuffer(values.buffers()[1], dtype=np.dtype(f"int{values.type.bit_width}"))
    return raw[values.offset : values.offset + len(values)]


def numpy_bools(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array without nulls as numpy (its bits unpacked)."""
    import numpy as np

    bits = np.unpackbits(np.frombuffer(values.buffers()[1], dtype=np.uint8), bitorder="little")
    return bits[values.offset : values.offset + len(values)].astype(bool)


class Judged:
    """Every distinct value of a column seen so far, judged once by Python, and the per-row
    global id of each value found by Arrow's hash lookup (``index_in``): the per-row work is
    vectorised, the rules are plain Python, the ids are stable across blocks."""

    def __init__(self, judge: Callable[[str], object | None]) -> None:
        self.judge = judge
        self.values: list[str] = []
        self.verdicts: list[object | None] = []
        self.known: pa.Array | None = None
        self._derived: dict[str, np.ndarray] = {}
        self._pieces: dict[str, pa.Array] = {}

    def ids(self, column: pa.Array) -> np.ndarray:
        import numpy as np
        import pyarrow.compute as pc

        found = None if self.known is None else pc.index_in(column, value_set=self.known)
        if found is None or found.null_count:
            unseen = column if found is None else pc.filter(column, pc.is_null(found))
            for value in pc.unique(unseen).to_pylist():
                self.values.append(value)
                self.verdicts.append(self.judge(value))
            self.known = string_array(self.values)
            self._derived.clear()
            self._pieces.clear()
            found = pc.index_in(column, value_set=self.known)
        return int_view(found).astype(np.int64)

    def derived(
        self, name: str, of: Callable[[object | None], object], dtype: object
    ) -> np.ndarray:
        """``of(verdict)`` for every value seen, as a numpy array indexed by id (cached)."""
        import numpy as np

        if name not in self._derived:
            self._derived[name] = np.array([of(v) for v in self.verdicts], dtype=dtype)
        return self._derived[name]

    def valid(self) -> np.ndarray:
        return self.derived("valid", lambda v: v is not None, bool)

    def pieces(self, name: str, of: Callable[[str], bytes]) -> pa.Array:
        """``of(value)`` for every value seen, as binary COPY pieces indexed by id (cached)."""
        key = "pieces:" + name
        if key not in self._pieces:
            self._pieces[key] = pg_binary.pieces([of(v) for v in self.values])
        return self._pieces[key]


def judge_code(value: str) -> str | None:
    return value if _CODE.fullmatch(value) else None


def judge_institution(value: str) -> str | None:
    return value if _INSTITUTION.fullmatch(value) else None


@dataclass
class Judges:
    """What both fast readers judge alike, in one definition: a daily row and a transaction
    line with the same code, institution, sub-channel or synthetic flag get the same verdict,
    and the same days (``low``..``high``, days since 1970) are loadable."""

    low: int
    high: int
    channel_names: list[str]
    codes: Judged
    institutions: Judged
    channels: Judged  # verdict: the index in channel_names
    synthetic: Judged  # verdict: the flag

    @classmethod
    def make(
        cls,
        *,
        default_synthetic: bool,
        range_first: date | None,
        range_end: date | None,
        latest: date,
    ) -> Judges:
        """Judges for one load: its period range (None: open), the latest loadable day, and
        the flag an empty ``is_synthetic`` takes."""
        spellings, channels = schema.channel_alias_pairs()
        names = list(schema.CHANNELS)
        alias = dict(zip(spellings, channels, strict=True))
        return cls(
            low=max(EARLIEST_DAY, (range_first - EPOCH).days if range_first else -(10**9)),
            high=min((latest - EPOCH).days, (range_end - EPOCH).days if range_end else 10**9),
            channel_names=names,
            codes=Judged(judge_code),
            institutions=Judged(judge_institution),
            channels=Judged(lambda v: names.index(alias[v]) if v in alias else None),
            synthetic=Judged(partial(_judge_flag, default_synthetic)),
        )


def _judge_flag(default: bool, value: str) -> bool | None:
    """An ``is_synthetic`` value: empty takes the load's default; an unknown spelling, None."""
    if value == "":
        return default
    if value in TRUE_SPELLINGS:
        return True
    return False if value in FALSE_SPELLINGS else None
