"""How the decoder uses the process's memory: what one step frees, the next one reuses, and
what the day freed goes back to the system when it is done.

A block of 8 MB makes a few hundred numpy arrays and frees them before the next; the end of
the day sorts arrays of a row per message. By default each large array is new memory from the
kernel, which zeroes it first: numpy asks for huge pages (2 MB, zeroed whole) for every array
of 4 MB or more, and glibc unmaps or trims what it frees. On the 15 M-report day the kernel
zeroed 2,400 huge pages (4.7 GB) and 600 k small ones: 4.5 s of system time. While a day is
decoded (:func:`memory_reused`) numpy asks for no huge pages and glibc keeps what is freed,
arrays up to 128 MB, for the next step. Larger arrays (a day of 30 M messages) are mapped and
unmapped as by default: kept, they left holes the next ones did not fit, and the 30 M-line
day peaked 1.2 GB higher. Measured (docs/benchmarks.md): `decode_day` of the 15 M-report day
17.3-17.6 -> 15.9-16.0 s, system time 4.5 -> 2.4 s, the peak 0.2 GB higher; with 1-3
receivers (30 M lines) 41.5 -> 32.2 s with the framing on two threads, peak 4.2 -> 4.7 GB.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

# glibc's mallopt(3) parameters and their documented defaults.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
DEFAULT_THRESHOLD = 128 * 1024
# While decoding: arrays up to this size served from the heap, and this much of it kept free.
KEPT_MMAP_THRESHOLD = 128 << 20
KEPT_TRIM_THRESHOLD = 512 << 20


@functools.cache
def _glibc() -> Any | None:
    """The C library when it is glibc (mallopt and malloc_trim), else None (musl, macOS);
    loaded once."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _numpy_hugepages() -> Callable[[bool], bool] | None:
    """numpy's switch for huge pages on large arrays (it returns the setting it replaces);
    ``numpy._core`` from numpy 2, ``numpy.core`` before. None where there is none."""
    for name in ("_core", "core"):
        multiarray = getattr(getattr(np, name, None), "multiarray", None)
        switch = getattr(multiarray, "_set_madvise_hugepage", None)
        if switch is not None:
            return switch  # type: ignore[no-any-return]
    return None


class _Reuse:
    """The settings of :func:`memory_reused`, made by the first of the days decoded at once
    and undone by the last (a process may decode two days on two threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.days = 0
        self.hugepages_were: bool | None = None

    def enter(self) -> None:
        with self.lock:
            self.days += 1
            if self.days > 1:
                return
            hugepages, libc = _numpy_hugepages(), _glibc()
            self.hugepages_were = hugepages(False) if hugepages else None
            if libc is not None:
                libc.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)
                libc.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)

    def leave(self) -> None:
        with self.lock:
            self.days -= 1
            if self.days > 0:
                return
            hugepages, libc = _numpy_hugepages(), _glibc()
            if hugepages is not None and self.hugepages_were is not None:
                hugepages(self.hugepages_were)
            if libc is not None:
                libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
                libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD)


_REUSE = _Reuse()


@contextlib.contextmanager
def memory_reused() -> Iterator[None]:
    """Within: numpy asks for no huge pages and glibc keeps freed memory for reuse. After the
    last day decoded at once: numpy's setting as it was, glibc's thresholds at their defaults
    (its dynamic mmap threshold stays off, as after any mallopt); then the freed memory is
    returned (:func:`return_freed_memory`)."""
    _REUSE.enter()
    try:
        yield
    finally:
        _REUSE.leave()
        return_freed_memory()


def return_freed_memory() -> None:
    """Give the memory the decoder freed back to the system. pyarrow's pool and glibc keep
    freed memory for their own later use, but silver's DuckDB, which comes next, allocates
    through neither: after decoding the 15 M-report day the process held 1.2 GB it no longer
    used, 0.2 GB after this. glibc's part is skipped where the C library is another."""
    pa.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
