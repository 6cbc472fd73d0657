"""NMEA lines written by tests, with checksums computed here (not by the code under test)."""

from __future__ import annotations


def _check(body: str) -> str:
    check = 0
    for c in body.encode():
        check ^= c
    return f"{check:02X}"


def tag(body: str) -> str:
    """A tag block ``\\<body>*hh\\``."""
    return f"\\{body}*{_check(body)}\\"


def sentence(body: str) -> str:
    """A sentence ``!<body>*hh``."""
    return f"!{body}*{_check(body)}"
