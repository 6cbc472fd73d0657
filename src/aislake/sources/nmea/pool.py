"""Worker processes that share out a day's blocks: each takes the next block from one queue
(whichever is free), works it with a state of its own, and hands the state back at the end.

NumPy's framing and decoding hold the GIL for most of their steps, so threads do not add a
core; processes do. They are started with ``spawn`` (never ``fork``: the parent runs DuckDB's
and Arrow's thread pools). A worker that fails hands back its traceback, and one that dies
(killed, out of memory) is noticed within a second; either stops the day with the reason.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import traceback
from collections.abc import Callable
from typing import Any, Protocol

POLL_SECONDS = 1.0


class WorkerFailedError(RuntimeError):
    """A worker process raised, or died."""


class BlockWorker(Protocol):
    def block(self, block: bytes, line_base: int) -> None: ...

    def handover(self) -> Any: ...


def _serve(
    make: Callable[..., BlockWorker], args: tuple[Any, ...], index: int, jobs: Any, results: Any
) -> None:
    try:
        worker = make(index, *args)
        while (job := jobs.get()) is not None:
            worker.block(*job)
        results.put((index, None, worker.handover()))
    except BaseException:
        results.put((index, traceback.format_exc(), None))


class BlockPool:
    """``workers`` processes, each working blocks with ``make(index, *args)`` (a module-level
    function: it is imported by the new process)."""

    def __init__(self, workers: int, make: Callable[..., BlockWorker], args: tuple[Any, ...]):
        ctx = mp.get_context("spawn")
        self.jobs = ctx.Queue(maxsize=2 * workers)  # a few blocks ahead, not the whole day
        self.results = ctx.Queue()
        self.done: dict[int, Any] = {}
        self.processes = [
            ctx.Process(target=_serve, args=(make, args, i, self.jobs, self.results), daemon=True)
            for i in range(workers)
        ]
        for p in self.processes:
            p.start()

    def put(self, block: bytes, line_base: int) -> None:
        """Queue a block; waits while the workers are behind, raises when one has failed."""
        self._send((block, line_base))

    def _send(self, job: tuple[bytes, int] | None) -> None:
        while True:
            self._collect(wait=False)
            try:
                self.jobs.put(job, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def finish(self) -> list[Any]:
        """Every worker's state, in worker order, once each has worked its last block."""
        for _ in self.processes:
            self._send(None)
        while len(self.done) < len(self.processes):
            self._collect(wait=True)
        return [self.done[i] for i in range(len(self.processes))]

    def _collect(self, wait: bool) -> None:
        try:
            index, error, state = self.results.get(timeout=POLL_SECONDS if wait else 0)
        except queue.Empty:
            for i, p in enumerate(self.processes):
                if i not in self.done and p.exitcode is not None:
                    try:  # it may have put its result just before it ended
                        index, error, state = self.results.get(timeout=POLL_SECONDS)
                    except queue.Empty:
                        raise WorkerFailedError(
                            f"decoding worker {i} ended (exit code {p.exitcode}) before handing "
                            "back its blocks"
                        ) from None
                    break
            else:
                return
        if error is not None:
            raise WorkerFailedError(f"decoding worker {index} failed:\n{error}")
        self.done[index] = state

    def close(self) -> None:
        """Stop whatever still runs (after :meth:`finish`, nothing does)."""
        for p in self.processes:
            if p.is_alive():
                p.terminate()
            p.join(timeout=5)
        self.jobs.close()
        self.results.close()
