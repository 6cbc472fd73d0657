"""Work done ahead of the day's thread, on threads of their own, handed over in order.

The decoder frames the next blocks on threads while the day's thread numbers and writes the
one before: most of numpy runs without the GIL, so on two cores the two overlap
(docs/benchmarks.md). A bounded number of items is worked on ahead of the one handed over:
the memory they take is bounded too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def mapped_ahead(
    fn: Callable[[T], R], items: Iterable[T], threads: int, name: str = "ahead"
) -> Iterator[R]:
    """``fn`` of each of ``items``, in their order, computed by ``threads`` threads (named
    ``name``). While one result is used, at most ``threads`` more are computed or wait. An
    item's error is raised when its turn comes; the items not yet started then are not."""
    pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)
