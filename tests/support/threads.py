"""Calls run at once on threads of their own, for races between writers."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(calls: list[Callable[[], object]]) -> list[BaseException]:
    """Run every call on its own thread, all released together; the exceptions they raised."""
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
        except BaseException as exc:  # returned to the test, which asserts on it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
