"""Posting blocks stored as packed numbers instead of Whoosh's pickled tuples.

Whoosh writes each block of up to 128 postings as a pickle of (document-number
differences, frequencies, positions): a Python int, float and bytes object per posting,
which unpickling builds one at a time. Reading a common word's postings was mostly that
(55 µs a block: 21 of the 42 ms that `artikel` took in the titles of 50,000 articles).
Here the same three lists are pickled as three byte strings (typed arrays, and the
positions as their lengths followed by one string), which unpickle in a few µs; the
numbers are added up and split in C where that can be. Blocks of Whoosh's own layout
(an index built before schema version 8) are still read, through Whoosh's code.

This module and postings.py are the only ones that know the block layout (whoosh-reloaded
2.7.5, pinned); tests/test_search_package.py compares what they read with an index in
Whoosh's own codec.
"""
from __future__ import annotations

from array import array
from itertools import accumulate, pairwise

from whoosh.codec.whoosh3 import W3LeafMatcher, W3PostingsWriter
from whoosh.util.numlists import delta_encode


def _packed(numbers, typecode: str) -> bytes:
    return typecode.encode("ascii") + array(typecode, numbers).tobytes()


def _unpacked(packed: bytes, count: int | None = None) -> array:
    numbers = array(chr(packed[0]))
    end = None if count is None else 1 + count * numbers.itemsize
    numbers.frombytes(memoryview(packed)[1:end])
    return numbers


def _variable(fixed_size) -> bool:
    return fixed_size is None or fixed_size < 0


class PackedPostingsWriter(W3PostingsWriter):
    """Whoosh's block writer with the block's lists packed (see the module docstring)."""

    def _mini_ids(self):
        if self._byteids:
            return super()._mini_ids()
        differences = array("I", delta_encode(self._ids))
        return _packed(differences, "H" if max(differences) < 2**16 else "I")

    def _mini_weights(self):
        weights = super()._mini_weights()   # None (all 1), one float (all equal), or each
        return _packed(weights, "f") if isinstance(weights, tuple) else weights

    def _mini_values(self):
        values = self._values
        if not _variable(self._format.fixed_value_size()) or len(values) != len(self._ids):
            return super()._mini_values()
        lengths = [len(value) for value in values]
        return _packed(lengths, "H" if max(lengths) < 2**16 else "I") + b"".join(values)


class PackedLeafMatcher(W3LeafMatcher):
    """Whoosh's block reader for packed blocks, and for Whoosh's own."""

    def _block(self) -> tuple:
        if self._data is None:
            self._read_data()
        return self._data

    def _read_ids(self):
        ids = self._block()[0]
        if self._byteids:
            super()._read_ids()
            return
        differences = _unpacked(ids) if isinstance(ids, bytes) else ids
        self._ids = array("I", accumulate(differences))

    def _read_weights(self):
        weights = self._block()[1]
        if isinstance(weights, bytes):
            self._weights = _unpacked(weights)
        elif weights is None or isinstance(weights, float):   # all 1, or all the same
            self._weights = array("f", [1.0 if weights is None else weights]) * self._blocklength
        else:
            super()._read_weights()

    def packed_values(self) -> tuple[bytes, int] | None:
        """The block's positions as stored, with their number, for `split_values` when
        someone asks for them (phrases, proximity); None for a block that holds them
        otherwise."""
        values = self._block()[2]
        if isinstance(values, bytes) and _variable(self._fixedsize):
            return values, self._blocklength
        return None

    def _read_values(self):
        packed = self.packed_values()
        if packed is None:
            super()._read_values()
        else:
            self._values = split_values(*packed)


def split_values(packed: bytes, count: int) -> list[bytes]:
    """The `count` values of a packed block: their lengths, then the values joined."""
    lengths = _unpacked(packed, count)
    start = 1 + len(lengths) * lengths.itemsize
    return [packed[begin:end] for begin, end in pairwise(accumulate(lengths, initial=start))]


def value_in(packed: bytes, count: int, index: int) -> bytes:
    """Value `index` of a packed block alone: a few documents of a common word need
    theirs, and splitting each of its blocks cost a phrase 37 ms at 50,000 articles."""
    lengths = _unpacked(packed, count)
    start = 1 + len(lengths) * lengths.itemsize + sum(lengths[:index])
    return packed[start:start + lengths[index]]
