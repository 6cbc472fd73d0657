"""The decoder's memory settings: freed memory reused while a day is decoded (no new pages
for the kernel to zero), everything as it was after the last day decoded at once."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from aislake.sources.nmea import memory
from aislake.sources.nmea.memory import memory_reused

pytestmark = pytest.mark.skipif(
    memory._glibc() is None or memory._numpy_hugepages() is None,
    reason="glibc's mallopt and numpy's huge-page switch (Linux)",
)

# A fresh process: what glibc keeps depends on what the process allocated before.
FAULTS = """
import resource
import numpy as np
from aislake.sources.nmea.memory import memory_reused

def faults_filling_again():
    first = np.ones(64 << 20, dtype=np.uint8)  # above glibc's largest dynamic mmap threshold
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    again = np.ones(64 << 20, dtype=np.uint8)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

outside = faults_filling_again()
with memory_reused():
    inside = faults_filling_again()
print(outside, inside, faults_filling_again())
"""


def _hugepages_on() -> bool:
    switch = memory._numpy_hugepages()
    assert switch is not None
    on = switch(True)
    switch(on)
    return on


def test_freed_memory_is_reused_while_decoding_and_returned_after() -> None:
    """Page faults taken filling a freed array's size again (0: its memory was kept)."""
    run = subprocess.run([sys.executable, "-c", FAULTS], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    outside, inside, after = (int(n) for n in run.stdout.split())
    # Outside, the 64 MB come back from the kernel: thousands of small pages, or 32 huge ones.
    assert outside >= 32 and after >= 32
    assert inside < outside / 4


def test_numpy_huge_pages_off_within_and_as_they_were_after() -> None:
    switch = memory._numpy_hugepages()
    assert switch is not None
    for setting in (True, False):
        was = switch(setting)
        try:
            with memory_reused():
                assert not _hugepages_on()
            assert _hugepages_on() is setting
        finally:
            switch(was)


def test_days_decoded_at_once_keep_the_settings_until_the_last_is_done() -> None:
    was = _hugepages_on()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with memory_reused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with memory_reused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = _hugepages_on()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after the first left": False}
    assert _hugepages_on() is was
