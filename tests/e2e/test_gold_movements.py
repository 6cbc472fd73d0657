"""Gold across days against the simulator's truth: port visits, voyages, AIS gaps, density in
hours and its monthly rollup, anchorages; re-runs and out-of-order backfills change nothing."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from aislake.duck.engine import connect, load_spatial
from aislake.gold import spec
from aislake.gold.core import GoldParams
from aislake.gold.registry import (
    PRODUCTS,
    NoInputError,
    build_product,
    partition_prefix,
    product,
)
from aislake.reference.ports import PORTS_BY_NAME, distance_nm
from aislake.silver.build import build_silver
from aislake.simulate.dmafile import write_dma_zip
from aislake.simulate.traffic import Truth, VesselTruth
from aislake.storage.current import dataset_keys
from aislake.storage.store import LocalStore
from conftest import SIM_DAY, SMALL_FLEET
from dmarows import HEADER, row

DAYS = [SIM_DAY + dt.timedelta(days=n) for n in range(3)]
START = dt.datetime.combine(DAYS[0], dt.time())
END = dt.datetime.combine(DAYS[-1], dt.time()) + dt.timedelta(days=1)
LINERS = ("cargo", "tanker", "ferry", "dark")
# A visit starts within 3 km of the port and ends beyond 4 km: minutes before the ship berths
# and after it casts off (3-4 km at 10-16 kn, plus a report interval).
EDGE = dt.timedelta(minutes=25)


@dataclass
class Lake:
    store: LocalStore
    truths: dict[dt.date, Truth]

    def vessels(self) -> dict[int, VesselTruth]:
        """Each vessel's truth over all the days: stays, voyages and gaps of every day."""
        merged: dict[int, VesselTruth] = {}
        for truth in self.truths.values():
            for m, v in truth.vessels.items():
                if m not in merged:
                    merged[m] = replace(v, stays=[], voyages=[], gaps=[])
                merged[m].stays += [s for s in v.stays if s not in merged[m].stays]
                merged[m].voyages += [x for x in v.voyages if x not in merged[m].voyages]
                merged[m].gaps += [g for g in v.gaps if g not in merged[m].gaps]
        return merged

    def unprovable(self) -> set[int]:
        """Vessels whose position rows are rejects (an unprovable comma in the call sign)."""
        return {t.quirk_vessels["unquoted_comma_callsign"] for t in self.truths.values()}

    def rows(self, name: str, sql: str = "SELECT * FROM {t}") -> list[tuple]:
        keys = dataset_keys(self.store, f"gold/{name}/")
        t = "read_parquet([" + ", ".join(f"'{self.store.uri(k)}'" for k in keys) + "])"
        return connect(self.store).execute(sql.format(t=t)).fetchall()


def build_all(store: LocalStore, days: list[dt.date], params: GoldParams | None = None) -> None:
    """Every gold product, in the registry's order, for ``days`` (in that order)."""
    con = connect(store)
    for p in PRODUCTS:
        if p.partitioning == "daily":
            for day in days:
                build_product(con, store, p.name, day, params)
        elif p.partitioning == "monthly":
            build_product(con, store, p.name, days[0], params)
        else:
            build_product(con, store, p.name, None, params)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    """Three consecutive simulated days through silver and every gold product."""
    root = tmp_path_factory.mktemp("days")
    store = LocalStore(root / "lake")
    con = connect(store)
    truths = {}
    for day in DAYS:
        simulated = write_dma_zip(day, root / "mirror", SMALL_FLEET)
        truths[day] = simulated.truth
        csv = root / f"{day}.csv"
        with zipfile.ZipFile(simulated.path) as zf:
            csv.write_bytes(zf.read(f"aisdk-{day}.csv"))
        store.put_file(csv, f"bronze/dma/{day}.csv")
        build_silver(con, store, f"bronze/dma/{day}.csv", day)
    build_all(store, DAYS)
    return Lake(store, truths)


def _stays(lake: Lake) -> list[tuple[int, VesselTruth, object]]:
    """Every liner's stay that lies within the lake's days, heard throughout (not dark)."""
    seen: dict[tuple, tuple] = {}
    for mmsi, v in lake.vessels().items():
        if v.kind not in LINERS or mmsi in lake.unprovable():
            continue
        for s in v.stays:
            if (
                s.arrival >= START
                and s.departure <= END
                and not v.dark_during(s.arrival, s.departure)
            ):
                seen[(mmsi, s.port, s.arrival)] = (mmsi, v, s)
    return list(seen.values())


def test_every_stay_is_one_visit_even_across_midnight(lake: Lake) -> None:
    visits = lake.rows("port_visits", "SELECT mmsi, port, arrival, departure, confidence FROM {t}")
    across_midnight = 0
    stays = _stays(lake)
    for mmsi, v, s in stays:
        match = [
            x
            for x in visits
            if x[0] == mmsi
            and x[1] == s.port
            and x[2] <= s.arrival <= x[2] + EDGE
            and x[3] is not None
            and x[3] - EDGE <= s.departure <= x[3]
        ]
        assert len(match) == 1, (v.kind, s, [x for x in visits if x[0] == mmsi])
        assert match[0][4] == 4  # entry, stop and exit all seen
        across_midnight += s.arrival.date() != s.departure.date()
    assert len(stays) > 100 and across_midnight >= 2


def test_liners_make_no_visit_the_simulator_did_not(lake: Lake) -> None:
    """Every liner visit is a true stay; at the lake's first instant a ship already in port has
    a visit whose entry the lake did not see (confidence 3, arrival its first report)."""
    stays: dict[tuple[int, str], list] = {}
    for m, v in lake.vessels().items():
        for s in v.stays:  # heard or not: a visit cut short by a silence is still a true stay
            stays.setdefault((m, s.port), []).append(s)
    liners = {m for m, v in lake.vessels().items() if v.kind in LINERS}
    visits = lake.rows(
        "port_visits",
        "SELECT mmsi, port, arrival, departure, entry_observed, exit_observed, confidence FROM {t}",
    )
    unseen_entries = 0
    for mmsi, port, arrival, departure, entry, exit_, confidence in visits:
        if mmsi not in liners or mmsi in lake.unprovable():
            continue
        if not entry:
            assert arrival - START < dt.timedelta(minutes=10) and confidence == 2 + exit_
            unseen_entries += 1
        elif departure is None:
            assert END - arrival < dt.timedelta(days=1) and confidence == 3 and not exit_
        elif not any(arrival <= s.arrival <= arrival + EDGE for s in stays.get((mmsi, port), [])):
            v = lake.vessels()[mmsi]  # the lake saw it only after it went silent
            assert v.dark_during(arrival - EDGE, departure), (v.kind, port, arrival, departure)
    assert unseen_entries >= 1


def test_voyages_go_between_the_true_ports(lake: Lake) -> None:
    voyages = lake.rows(
        "voyages",
        "SELECT mmsi, origin_port, destination_port, departure, arrival, distance_nm FROM {t}",
    )
    checked = 0
    for mmsi, v in lake.vessels().items():
        if v.kind not in ("cargo", "tanker", "ferry") or mmsi in lake.unprovable():
            continue
        for origin, destination, departure, arrival, nm in set(v.voyages):
            # (A ship that leaves port minutes after the lake's first instant has no visit
            # there: no stop was seen.)
            if departure < START + dt.timedelta(minutes=30) or arrival > END:
                continue
            match = [
                x
                for x in voyages
                if x[0] == mmsi
                and x[1] == origin
                and x[2] == destination
                and departure <= x[3] <= departure + EDGE
                and arrival - EDGE <= x[4] <= arrival
            ]
            assert len(match) == 1, (v.kind, origin, destination, departure, arrival)
            # From 4 km out of the origin to 3 km into the destination: ~3.8 nm short of the
            # berth-to-berth passage.
            assert nm - 6 <= match[0][5] <= nm * 1.02, (match[0], nm)
            checked += 1
    assert checked > 50
    still_at_sea = [x for x in voyages if x[2] is None]
    assert still_at_sea and all(x[4] is None and x[3] is not None for x in still_at_sea)


def test_a_vessel_going_dark_at_sea_is_a_gap_even_across_midnight(lake: Lake) -> None:
    gaps = lake.rows(
        "ais_gaps", "SELECT mmsi, gap_start, gap_end, duration_hours, start_port FROM {t}"
    )
    dark = {m: v for m, v in lake.vessels().items() if v.kind == "dark"}
    truth = {(m, g) for m, v in dark.items() for g in v.gaps if g.start >= START and g.end <= END}
    found = 0
    for mmsi, g in truth:
        match = [
            x
            for x in gaps
            if x[0] == mmsi
            and g.start - dt.timedelta(minutes=10) <= x[1] <= g.start
            and g.end <= x[2] <= g.end + dt.timedelta(minutes=10)
        ]
        assert len(match) == (1 if g.under_way else 0), (g, [x for x in gaps if x[0] == mmsi])
        found += len(match)
    assert found >= 3 and any(g.start.date() != g.end.date() and g.under_way for _, g in truth)
    # Nothing else goes dark: every other gap is the vessel whose rows are rejects.
    assert {x[0] for x in gaps} <= set(dark) | lake.unprovable()
    assert all(x[3] >= GoldParams().gap_min_hours for x in gaps)


def test_density_hours_add_up_to_the_time_vessels_were_observed(lake: Lake) -> None:
    for day, truth in lake.truths.items():
        observed = sum(
            v.observed_seconds for m, v in truth.vessels.items() if m not in lake.unprovable()
        )
        ((hours,),) = lake.rows(
            "traffic_density", f"SELECT sum(hours) FROM {{t}} WHERE dt = DATE '{day}'"
        )
        assert hours == pytest.approx(observed / 3600, rel=0.01), day


def test_monthly_density_sums_the_days(lake: Lake) -> None:
    daily = lake.rows(
        "traffic_density",
        "SELECT cell_code, ship_type, sum(hours), count(*) FROM {t} GROUP BY ALL ORDER BY 1, 2",
    )
    monthly = lake.rows(
        "traffic_density_monthly", "SELECT cell_code, ship_type, hours, days FROM {t} ORDER BY 1, 2"
    )
    assert [(c, s) for c, s, _, _ in daily] == [(c, s) for c, s, _, _ in monthly]
    for (_, _, h, n), (_, _, mh, days) in zip(daily, monthly, strict=True):
        assert mh == pytest.approx(h, abs=1e-5) and days == n <= len(DAYS)
    with pytest.raises(NoInputError, match="traffic_density_gold for 2024-02-01"):
        build_product(
            connect(lake.store), lake.store, "traffic_density_monthly", dt.date(2024, 2, 1)
        )


def test_rerunning_and_backfilling_days_out_of_order_changes_nothing(lake: Lake) -> None:
    names = [p.name for p in PRODUCTS]
    before = {n: sorted(lake.rows(n), key=repr) for n in names}
    build_all(lake.store, list(reversed(DAYS)))  # every day again, last day first
    con = connect(lake.store)
    build_product(con, lake.store, "vessel_runs", DAYS[1])  # one day once more
    build_product(con, lake.store, "port_visits")
    assert {n: sorted(lake.rows(n), key=repr) for n in names} == before


def test_anchorages_come_from_the_lakes_stops_where_enough_vessels_stopped(lake: Lake) -> None:
    con = connect(lake.store)
    assert {r[0] for r in lake.rows("anchorages", "SELECT source FROM {t}")} == {"port_list"}
    thin = GoldParams(anchorage_min_vessels=2)
    build_product(con, lake.store, "anchorages", None, thin)
    rows = lake.rows(
        "anchorages", "SELECT source, port, lat, lon, vessels, nearest_port_km FROM {t}"
    )
    found = [r for r in rows if r[0] == "lake"]
    assert found and all(r[4] >= 2 and r[5] <= 20 for r in found)
    for source, port, lat, lon, *_ in rows:
        if source == "port_list":  # no lake anchorage within the exit distance of it
            assert all(distance_nm(lat, lon, a[2], a[3]) * 1.852 > 4 for a in found), port
        else:
            assert distance_nm(lat, lon, PORTS_BY_NAME[port].lat, PORTS_BY_NAME[port].lon) < 11
    build_product(con, lake.store, "anchorages")  # back to the default


def test_a_line_between_two_positions_is_split_across_cells_by_length(tmp_path: Path) -> None:
    """Two positions 10 minutes apart, 600 m in one 1 km cell and 900 m in the next: 4 and 6
    minutes."""
    store = LocalStore(tmp_path / "lake")
    con = connect(store)
    load_spatial(con)
    ends = con.execute(
        "SELECT ST_Y(g), ST_X(g) FROM (SELECT ST_Transform(ST_Point(x, 3624500), 'EPSG:3035', "
        "'EPSG:4326', always_xy := true) AS g, x FROM (VALUES (4484400.0), (4485900.0)) AS t(x)) "
        "ORDER BY x"
    ).fetchall()
    lines = [
        row(ts=f"15/01/2024 {t}", lat=f"{lat:.7f}", lon=f"{lon:.7f}", sog="5.0")
        for t, (lat, lon) in zip(("10:00:00", "10:10:00"), ends, strict=True)
    ]
    csv = tmp_path / "d.csv"
    csv.write_text("\n".join([HEADER, *lines]) + "\n")
    store.put_file(csv, "bronze/dma/d.csv")
    build_silver(con, store, "bronze/dma/d.csv", SIM_DAY)
    build_product(con, store, "vessel_positions", SIM_DAY)
    build_product(con, store, "traffic_density", SIM_DAY)
    keys = dataset_keys(store, "gold/traffic_density/")
    got = con.execute(
        f"SELECT cell_x, round(hours * 60, 3), messages FROM read_parquet('{store.uri(keys[0])}') "
        "ORDER BY cell_x"
    ).fetchall()
    assert got == [(4484, 4.0, 1), (4485, 6.0, 1)]


def test_products_that_need_an_input_say_which(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "lake")
    con = connect(store)
    with pytest.raises(NoInputError, match="materialise traffic_density_gold for 2024-01-15"):
        build_product(con, store, "traffic_density_monthly", SIM_DAY)
    # A history product over a lake with no days yet is empty, not an error.
    assert build_product(con, store, "port_visits").rows == 0
    assert partition_prefix(product("port_visits"), None) == "gold/port_visits/all/"
    assert partition_prefix(product("traffic_density_monthly"), SIM_DAY) == (
        "gold/traffic_density_monthly/month=2024-01-01/"
    )


def test_code_version_follows_the_sql(monkeypatch: pytest.MonkeyPatch) -> None:
    versions = {p.name: p.code_version for p in PRODUCTS}
    assert len(set(versions.values())) == len(PRODUCTS)
    runs = product("vessel_runs")
    sql = runs.sql
    monkeypatch.setattr(spec, "product_sql", lambda name: sql + " LIMIT 1")
    assert runs.code_version != versions["vessel_runs"]
