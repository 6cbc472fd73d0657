"""One MMSI, several ships, against the simulator's truth: a day with its planted shared MMSIs
(two trawlers in different waters, two ships in one harbour, a spoofer on a ferry's MMSI:
``aislake.simulate.shared``) and its planted events, through silver and every gold product.
Each shared MMSI comes out as its ships, position for position; every other MMSI as one; each
ship keeps its own track, stops and port visits; no event is made of two ships' positions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
from test_gold_events import planted, rows, simulated_day

from aislake.duck.engine import connect
from aislake.gold.core import GoldParams
from aislake.gold.registry import BY_NAME, partition_prefix
from aislake.simulate.shared import SharedMmsi
from aislake.simulate.traffic import Truth, simulate
from aislake.storage.current import partition_keys
from aislake.storage.store import LocalStore
from conftest import SIM_DAY, SMALL_FLEET

FLEET = replace(SMALL_FLEET, events=True, shared=True)
NEAR = dt.timedelta(minutes=5)
DAY0 = dt.datetime.combine(SIM_DAY, dt.time())


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalStore, Truth]:
    return simulated_day(tmp_path_factory.mktemp("transmitters"), FLEET)


def query(store: LocalStore, product: str, sql: str) -> list[tuple]:
    """``sql`` over the day's ``product`` (``{t}`` in ``sql``)."""
    keys = partition_keys(store, partition_prefix(BY_NAME[product], SIM_DAY))
    files = "read_parquet([" + ", ".join(f"'{store.uri(k)}'" for k in keys) + "])"
    return connect(store).execute(sql.format(t=files)).fetchall()


def scenario(truth: Truth, name: str) -> SharedMmsi:
    (shared,) = [s for s in truth.shared if s.scenario == name]
    return shared


def test_the_simulator_plants_three_shared_mmsis(day: tuple[LocalStore, Truth]) -> None:
    _, truth = day
    assert sorted(s.scenario for s in truth.shared) == [
        "different_waters",
        "same_harbour",
        "spoofed",
    ]
    for s in truth.shared:
        assert s.positions(0).isdisjoint(s.positions(1))  # one true ship a position
        assert min(s.positions(0)) < min(s.positions(1))


def _places(truth: Truth) -> dict[tuple[int, int], set[tuple[float, float]]]:
    """Per (shared MMSI, ship), the places of the ship's positions, as the simulator made them."""
    reports, _ = simulate(SIM_DAY, FLEET)
    places: dict[tuple[int, int], set[tuple[float, float]]] = {}
    for s in truth.shared:
        for k, ship in enumerate(s.ships):
            m = (reports["mmsi"] == s.mmsi) & np.isin(reports["t"], ship.report_seconds)
            places[(s.mmsi, k)] = set(zip(reports["lat"][m], reports["lon"][m], strict=True))
    return places


def test_each_shared_mmsi_comes_out_as_its_ships(day: tuple[LocalStore, Truth]) -> None:
    """Transmitter k of a shared MMSI holds every true position of the k-th ship and nothing of
    the other: what it holds beyond them are the receivers' late repeats of the ship's own
    positions (the file's stale-repeat quirk: a place of that ship, seconds later). The
    glitches the simulator threw off either track are left out as noise."""
    store, truth = day
    places = _places(truth)
    for s in truth.shared:
        found = query(
            store,
            "vessel_positions",
            f"SELECT transmitter, ts, lat, lon FROM {{t}} WHERE mmsi = {s.mmsi}",
        )
        assert sorted({t for t, *_ in found}) == [1, 2], s.scenario
        for k in (0, 1):
            got = {(ts, lat, lon) for t, ts, lat, lon in found if t == k + 1}
            expected = s.positions(k)
            assert expected <= {ts for ts, _, _ in got}, (s.scenario, k)
            repeats = {(lat, lon) for ts, lat, lon in got if ts not in expected}
            assert repeats <= places[(s.mmsi, k)], (s.scenario, k, len(repeats))
            assert len(repeats) < 0.02 * len(expected)


def test_the_registry_counts_transmitters(day: tuple[LocalStore, Truth]) -> None:
    """The three shared MMSIs show two transmitters each, with both ships' names (the spoofer
    carries the ferry's); every other vessel one: receiver noise and glitches are no ship."""
    store, truth = day
    registry = rows(store, "vessel_registry", "mmsi, transmitters, shared_mmsi, transmitter_names")
    shared = {s.mmsi: s for s in truth.shared}
    assert {m for m, _, flag, _ in registry if flag} == set(shared)
    for mmsi, transmitters, flag, names in registry:
        if mmsi in shared:
            assert transmitters == 2
            assert names == [v.name for v in shared[mmsi].ships]
        else:
            assert (transmitters, flag, names) in ((1, False, None), (None, False, None)), mmsi
    spoofed = scenario(truth, "spoofed")
    assert spoofed.ships[0].name == spoofed.ships[1].name  # told apart by reachability alone


def test_each_trawler_keeps_its_own_track(day: tuple[LocalStore, Truth]) -> None:
    """Two trawlers in different waters: one track each (no jump cut), each the distance its
    ship sailed."""
    store, truth = day
    twins = scenario(truth, "different_waters")
    tracks = query(
        store,
        "vessel_tracks",
        "SELECT transmitter, count(*), sum(distance_nm) FROM {t} "
        f"WHERE mmsi = {twins.mmsi} GROUP BY 1 ORDER BY 1",
    )
    assert [t for t, *_ in tracks] == [1, 2]
    for (_, segments, distance), ship in zip(tracks, twins.ships, strict=True):
        assert segments == 1
        assert distance == pytest.approx(ship.distance_nm, rel=0.02)


def test_two_ships_in_one_harbour_make_two_stays(day: tuple[LocalStore, Truth]) -> None:
    """The owner's stop lasts the day; the second ship's stop and port visit are its 08:00 to
    15:00 at its own berth: neither is made of the other's positions."""
    store, truth = day
    harbour = scenario(truth, "same_harbour")
    stops = query(
        store,
        "vessel_stops",
        "SELECT transmitter, arrival, departure, port FROM {t} "
        f"WHERE mmsi = {harbour.mmsi} ORDER BY 1, 2",
    )
    visits = query(
        store,
        "port_visits",
        "SELECT transmitter, arrival, departure, port FROM {t} "
        f"WHERE mmsi = {harbour.mmsi} ORDER BY 1, 2",
    )
    owner, second = (ship.stays[0] for ship in harbour.ships)
    assert [s[0] for s in stops] == [1, 2], stops
    assert [v[0] for v in visits] == [1, 2], visits
    (_, arrival, departure, port) = stops[1]
    assert port == second.port == "Frederikshavn"
    assert abs(arrival - second.arrival) <= NEAR and abs(departure - second.departure) <= NEAR
    assert stops[0][1] - DAY0 <= NEAR and DAY0 + dt.timedelta(days=1) - stops[0][2] <= NEAR
    (_, arrival, departure, port) = visits[1]
    assert port == "Frederikshavn"
    assert arrival <= second.arrival <= arrival + dt.timedelta(minutes=25)
    assert departure - dt.timedelta(minutes=25) <= second.departure <= departure
    assert visits[0][3] == owner.port


def test_the_spoofed_ferry_keeps_its_visits(day: tuple[LocalStore, Truth]) -> None:
    """The ferry's port visits are the ferry's stays; the spoofer at sea makes none."""
    store, truth = day
    spoofed = scenario(truth, "spoofed")
    visits = query(
        store, "port_visits", f"SELECT transmitter, port FROM {{t}} WHERE mmsi = {spoofed.mmsi}"
    )
    assert {t for t, _ in visits} == {1}
    ferry = spoofed.ships[0]
    assert {p for _, p in visits} == {s.port for s in ferry.stays}


def test_no_event_is_made_of_two_ships(day: tuple[LocalStore, Truth]) -> None:
    """The planted events are found as on a day without shared MMSIs, and nothing else."""
    store, truth = day
    loitering = sorted(rows(store, "loitering", "mmsi, start_ts"))
    assert [m for m, _ in loitering] == sorted(e.mmsis[0] for e in planted(truth, "loitering"))
    encounters = rows(store, "encounters", "mmsi_a, mmsi_b")
    assert encounters == [e.mmsis for e in planted(truth, "encounter")]
    shared = {s.mmsi for s in truth.shared}
    cq = rows(store, "close_quarters", "mmsi_a, mmsi_b")
    assert not any(a in shared or b in shared for a, b in cq), cq


@pytest.mark.parametrize(
    "name", ["vessel_positions", "vessel_registry", "vessel_stops", "loitering", "encounters"]
)
def test_their_checks_pass(day: tuple[LocalStore, Truth], name: str) -> None:
    store, _ = day
    for measure, sql in BY_NAME[name].measures(GoldParams()).items():
        ((value,),) = query(store, name, f"SELECT {sql} FROM {{t}}")
        assert value == 0, measure
