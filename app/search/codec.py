"""How the index's files are written and read: Whoosh's codec (whoosh-reloaded 2.7.5,
pinned), with what a search at 50,000 documents needed done faster.

Each new index state (every commit) opens every segment again; what that costs comes
before the first search on it, in every web worker. tests/test_index_states.py holds
what is read here to what Whoosh's own code reads.
"""
from __future__ import annotations

import struct
import threading
from array import array
from collections import OrderedDict
from itertools import accumulate

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    STORED_COLUMN,
    W3Codec,
    W3PerDocReader,
    W3TermsReader,
)
from whoosh.columns import CompressedBytesColumn, PickleColumn
from whoosh.filedb import filetables
from whoosh.util.numeric import byte_to_length

from app.search.blocks import PackedLeafMatcher, PackedPostingsWriter


class CasusbankCodec(W3Codec):
    """Whoosh's codec (segments remember it by module and name: keep it here, and keep
    it importable from app.search.index, where segments written before 2026-12-08 look)
    with:

    - no zlib on posting blocks: compressing them took a tenth of a rebuild, and every
      search paid again to decompress them, for a third less disk;
    - posting blocks of packed numbers rather than pickled Python objects (blocks.py);
    - a per-document reader that remembers which columns a segment lacks. Whoosh asks
      for the length of every posting it writes, and for fields that keep no lengths
      (ids, keywords) each ask was a stat() of a file that is not there: 200,000 of
      them for 4,000 articles."""

    def __init__(self):
        super().__init__(compression=0)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:   # term vectors: none in this schema
            return super().postings_writer(dbfile, byteids)
        return PackedPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=False,
                                    compression=self._compression,
                                    inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, length = terminfo.extent()
        return PackedLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        return _TermsReader(self, storage.open_file(name), storage.file_length(name),
                            segment.open_file(storage, self.POSTS_EXT))


_BYTE_LENGTHS = [byte_to_length(length_byte) for length_byte in range(256)]


class _PerDocReader(W3PerDocReader):
    def has_column(self, fieldname):
        known = self.__dict__.setdefault("_has_column", {})
        if fieldname not in known:   # a written segment never gains a column
            known[fieldname] = super().has_column(fieldname)
        return known[fieldname]

    def doc_field_length(self, docnum, fieldname, default=0):
        """Whoosh's answer, from the field's lengths read once as bytes: a commit asks
        this for every posting it writes (a tenth of a rebuild, through Whoosh's column
        reader one call at a time)."""
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum} of {self._doccount}")
        stored = self.length_bytes(fieldname)
        if stored is None:
            return default
        length_byte = stored[docnum] if docnum < len(stored) else 0
        return _BYTE_LENGTHS[length_byte] if length_byte else None

    def length_bytes(self, fieldname) -> bytes | None:
        """The field's stored length bytes (one a document, up to the last that has the
        field), read once; None when no document has it."""
        lengths = self.__dict__.setdefault("_length_bytes", {})
        if fieldname not in lengths:
            column = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            lengths[fieldname] = (None if column is None else
                                  column._dbfile.get(column._basepos, column._count))
        return lengths[fieldname]

    def column_reader(self, fieldname, column):
        if column is not STORED_COLUMN:
            return super().column_reader(fieldname, column)
        if fieldname not in self._colfiles:
            self._colfiles[fieldname] = self._get_column_file(fieldname)
        colfile, offset, length = self._colfiles[fieldname]
        return PickleColumn.Reader(_StoredReader(
            colfile, offset, length, self._doccount, STORED_COLUMN._child._module,
            key=(self._segment.segment_id(), fieldname, self._doccount)))


class _StoredReader(CompressedBytesColumn.Reader):
    """The stored fields of a segment. Whoosh keeps each document's offset on disk only
    in segments of over 32,768 documents and otherwise adds up the lengths one Python
    step per document, each time a reader opens the segment: at 50,000 documents in two
    segments, a third of the first search on every new index state. Added up in C here,
    and kept per segment for the next state (1.7 ms of each first search)."""

    def __init__(self, dbfile, basepos, length, doccount, module, key):
        self._key = key
        super().__init__(dbfile, basepos, length, doccount, module)

    def _read_offsets_and_lengths(self):
        kept = _STORED_OFFSETS.get(self._key)
        if kept is None:
            self._read_and_add_up()
            _STORED_OFFSETS.put(self._key, (self._offsets, self._lengths))
        else:
            self._offsets, self._lengths = kept

    def _read_and_add_up(self):
        last = self._basepos + self._length - 1
        code = chr(self._dbfile.get_byte(last))
        if code == "X":   # offsets on disk: Whoosh's own way reads them at once
            super()._read_offsets_and_lengths()
            return
        lengths = self._dbfile.get_array(last - struct.calcsize(code) * self._doccount, code,
                                         self._doccount)
        offsets = array("L", [0])
        offsets.extend(accumulate(lengths))
        offsets.pop()
        self._offsets, self._lengths = offsets, lengths


class _Kept:
    """The most recently used few of something read per segment, for the life of the
    process (a segment's files never change once written; its id is random)."""

    def __init__(self, size: int):
        self._items: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_STORED_OFFSETS = _Kept(32)   # segments; 12 bytes a document each


class _TermsReader(W3TermsReader):
    """Whoosh's terms reader, with the table of contents of its terms file read at once."""

    def __init__(self, codec, dbfile, length, postfile):
        self._codec = codec
        self._dbfile = dbfile
        self._tindex = _OrderedHashReader(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._postfile = postfile
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, number in self._fieldmap.items():
            self._fieldunmap[number] = fieldname


class _OrderedHashReader(filetables.OrderedHashReader):
    """Whoosh's reader of a terms file: its directory of 256 hash tables read in one
    call, not in 256 (1.5 ms each time a segment's terms are opened, that is for every
    segment at every new index state)."""

    def __init__(self, dbfile, length):
        self.dbfile, self.startoffset, self.is_closed = dbfile, 0, False
        dbfile.seek(0)
        if dbfile.read(4) != b"HSH3":
            raise filetables.FileFormatError("Not a terms file")
        self.hashtype = dbfile.read_byte()
        self.hashfn = filetables._hash_functions[self.hashtype]
        self.startofdata = 4 + 1 + 2 * filetables._INT_SIZE   # two unused ints after it
        end_of_extras = length - filetables._INT_SIZE
        start_of_extras = end_of_extras - dbfile.get_int(end_of_extras)
        dbfile.seek(start_of_extras)
        self._read_extras()
        directory = dbfile.get(start_of_extras - filetables._directory_size,
                               filetables._directory_size)
        self.tables = list(filetables._dir_entry.iter_unpack(directory))
        self.endofdata = self.tables[0][0]
