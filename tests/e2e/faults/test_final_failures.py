"""A failure no retry can change fails at once, with its reason, through Dagster's retries too.

The fault probe (issue 26): a zip whose member is encrypted failed after 120 s (Dagster's retry
policy on bronze, 30 s then 60 s), an HTML page served from a ``file://`` mirror after 165 s and
4 attempts. Each case here is the real bronze asset materialised in-process from a real
``file://`` mirror.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from aislake.ops.demo import materialize_day
from conftest import SIM_DAY

pytestmark = pytest.mark.faults

NAME = f"aisdk-{SIM_DAY.isoformat()}"


def _encrypted(path: Path, sim_file) -> None:
    """The day's zip with its member marked encrypted (bit 0 of the flags, in the local header
    and the central directory), as a zip made with a password is."""
    data = bytearray(sim_file.path.read_bytes())
    with zipfile.ZipFile(sim_file.path) as z:
        info = z.infolist()[0]
    data[info.header_offset + 6] |= 0x1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))


CASES = {
    "encrypted": (_encrypted, "is encrypted"),
    "html": (lambda p, _: p.write_bytes(b"<!DOCTYPE html><html>Sign in</html>"), "HTML page"),
    "not-a-zip": (lambda p, _: p.write_bytes(b"PK\x03\x04 not really"), "not a complete zip"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_final_failure_is_not_retried(tmp_path: Path, sim_file, case: str) -> None:
    write, reason = CASES[case]
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    write(mirror / f"{NAME}.zip", sim_file)
    env = {
        "AISLAKE_DMA_BASE_URL": mirror.as_uri() + "/",
        "AISLAKE_LAKE_DIR": str(tmp_path / "l"),
        "AISLAKE_WORKDIR": str(tmp_path),
    }
    started = time.monotonic()
    result = materialize_day(SIM_DAY, env, gold=False)
    seconds = time.monotonic() - started
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1 and reason in str(failures[0].event_specific_data)
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
    assert seconds < 20, seconds
