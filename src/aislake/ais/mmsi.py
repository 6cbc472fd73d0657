"""What an MMSI says about its transmitter: the kind of station and its flag (MID).

ITU-R M.585 gives an MMSI nine digits whose form tells the kind of station: a ship is
``MIDxxxxxx``, a coast station ``00MIDxxxx``, a group of ships ``0MIDxxxxx``, a SAR aircraft
``111MIDxxx``, an aid to navigation ``99MIDxxxx``, a craft associated with a parent ship
``98MIDxxxx``, a handheld VHF ``8MIDxxxxx``; AIS-SART, MOB and EPIRB-AIS devices are
``970xxyyyy``, ``972xxyyyy`` and ``974xxyyyy`` and carry no MID. MIDs 201-775 are countries.

Sources print MMSIs as integers, so a coast station ``002190064`` arrives as ``2190064``: the
form is read from the integer's value, never from a string's length. The transmitter type a
source reports (DMA's "Type of mobile") is what the device claims; the form is what the MMSI is:
a harbour's coast station reporting as "Class A" is a coast station.

This module is the only place that knows the forms: silver's validity rule, silver's
``station_kind`` and the registry's ``mid`` all call the DuckDB macros ``mmsi_station_kind`` and
``mmsi_mid``, made from :func:`station_kind_sql` and :func:`mid_sql` on every connection
(:func:`mmsi_macros`).
"""

from __future__ import annotations

# (kind, SQL condition on the integer ``{m}``, SQL of its MID or None). Tested in this order;
# the conditions are disjoint, so the order only matters for speed (ships first).
_FORMS: tuple[tuple[str, str, str | None], ...] = (
    ("ship", "{m} BETWEEN 201000000 AND 775999999", "{m} // 1000000"),
    ("coast_station", "{m} BETWEEN 2010000 AND 7759999", "{m} // 10000"),
    ("group", "{m} BETWEEN 20100000 AND 77599999", "{m} // 100000"),
    ("sar_aircraft", "{m} // 1000000 = 111", "{m} // 1000 % 1000"),
    ("aton", "{m} // 10000000 = 99", "{m} // 10000 % 1000"),
    ("craft_with_parent", "{m} // 10000000 = 98", "{m} // 10000 % 1000"),
    ("handheld", "{m} // 100000000 = 8", "{m} // 100000 % 1000"),
    ("sart", "{m} // 1000000 = 970", None),
    ("mob", "{m} // 1000000 = 972", None),
    ("epirb", "{m} // 1000000 = 974", None),
)

STATION_KINDS: dict[str, str] = {
    "ship": "a ship station, MIDxxxxxx",
    "coast_station": "a coast (base) station, 00MIDxxxx",
    "group": "a group of ships, 0MIDxxxxx",
    "sar_aircraft": "a search-and-rescue aircraft, 111MIDxxx",
    "aton": "an aid to navigation, 99MIDxxxx",
    "craft_with_parent": "a craft associated with a parent ship (tender, lifeboat), 98MIDxxxx",
    "handheld": "a handheld VHF transceiver, 8MIDxxxxx",
    "sart": "an AIS search-and-rescue transmitter, 970xxyyyy",
    "mob": "a man-overboard device, 972xxyyyy",
    "epirb": "an EPIRB with AIS locator, 974xxyyyy",
}

MID_MIN, MID_MAX = 201, 775


def _mid_ok(mid_sql: str) -> str:
    return f"({mid_sql}) BETWEEN {MID_MIN} AND {MID_MAX}"


def station_kind_sql(mmsi: str) -> str:
    """SQL: the kind of station the integer MMSI expression ``mmsi`` is (NULL: no valid form)."""
    whens = []
    for kind, cond, mid in _FORMS:
        test = cond.format(m=f"({mmsi})")
        if mid is not None:
            test = f"{test} AND {_mid_ok(mid.format(m=f'({mmsi})'))}"
        whens.append(f"WHEN {test} THEN '{kind}'")
    return f"(CASE {' '.join(whens)} ELSE NULL END)"


def mid_sql(mmsi: str, kind: str) -> str:
    """SQL: the MID of the integer MMSI ``mmsi`` whose station kind (SQL) is ``kind``; NULL for
    kinds without one (SART, MOB, EPIRB) and for invalid MMSIs."""
    whens = " ".join(
        f"WHEN '{k}' THEN ({mid.format(m=f'({mmsi})')})::SMALLINT"
        for k, _, mid in _FORMS
        if mid is not None
    )
    return f"(CASE {kind} {whens} ELSE NULL END)"


def mmsi_macros() -> list[str]:
    """The forms as DuckDB macros, created on every connection (aislake.duck.engine):
    ``mmsi_station_kind(mmsi)`` and ``mmsi_mid(mmsi)``, for SQL files that cannot call Python."""
    kind = station_kind_sql("mmsi")
    return [
        f"CREATE OR REPLACE MACRO mmsi_station_kind(mmsi) AS {kind}",
        f"CREATE OR REPLACE MACRO mmsi_mid(mmsi) AS {mid_sql('mmsi', kind)}",
    ]
