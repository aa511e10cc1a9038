"""One searcher per process and thread, reopened only when the index changed.

Opening a searcher costs milliseconds; asking an open one whether it is current costs
microseconds. Searchers are not thread-safe and must not cross a fork, so the cache is
per thread and notices a changed process id.

Whoosh's own `Searcher.refresh()` is not used: in whoosh-reloaded 2.7.5 it keeps the
segments of the old reader next to the new ones, so a refreshed searcher returns
replaced and deleted documents again (stale text, stale visibility, duplicates), and it
raises on a searcher that was opened on an empty index.
"""
from __future__ import annotations

import os
import threading
import weakref

from app.search.index import SearchIndex
from app.search.schema import ranking


class SearcherCache:
    def __init__(self, index: SearchIndex):
        self.index = index
        self._local = threading.local()
        self._open = weakref.WeakSet()  # every thread's searcher, for close()

    def searcher(self):
        """The current searcher, or None when there is no usable index yet."""
        if not self.index.is_usable():
            self._forget()
            return None
        state = self._local
        version = self.index.current_version()
        if (getattr(state, "pid", None) != os.getpid() or state.version != version
                or not state.searcher.up_to_date()):
            self._forget()
            state.searcher = self.index.open(version).searcher(weighting=ranking())
            state.pid, state.version = os.getpid(), version
            self._open.add(state.searcher)
        return state.searcher

    def renew(self) -> None:
        """Drop this thread's searcher, so that the next one opens the index as it is now."""
        self._forget()

    def close(self) -> None:
        """Close the searchers of every thread (at shutdown; requests never need to)."""
        self._forget()
        for searcher in list(self._open):
            if not searcher.reader().is_closed:
                searcher.close()

    def _forget(self) -> None:
        state = self._local
        searcher = getattr(state, "searcher", None)
        if searcher is not None and state.pid == os.getpid():
            searcher.close()
            self._open.discard(searcher)
        state.searcher = state.pid = state.version = None
