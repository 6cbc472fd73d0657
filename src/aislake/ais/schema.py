"""The one definition of aislake's tables: raw DMA layouts and the silver schema.

Silver's SQL, its tests and ``docs/silver.md`` are all derived from or checked against this module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    meaning: str


# DMA's CSV header, current layout (since about late 2018): 26 columns.
DMA_HEADER_26 = (
    "# Timestamp",
    "Type of mobile",
    "MMSI",
    "Latitude",
    "Longitude",
    "Navigational status",
    "ROT",
    "SOG",
    "COG",
    "Heading",
    "IMO",
    "Callsign",
    "Name",
    "Ship type",
    "Cargo type",
    "Width",
    "Length",
    "Type of position fixing device",
    "Draught",
    "Destination",
    "ETA",
    "Data source type",
    "A",
    "B",
    "C",
    "D",
)
# The older layout (2018 and before) is the same without the antenna offsets A, B, C, D.
DMA_HEADER_22 = DMA_HEADER_26[:22]

# Raw DMA column -> the name silver's SQL reads it under (all read as VARCHAR, then typed).
DMA_RAW_NAMES = {
    "# Timestamp": "ts",
    "Type of mobile": "mobile_type",
    "MMSI": "mmsi",
    "Latitude": "lat",
    "Longitude": "lon",
    "Navigational status": "nav_status",
    "ROT": "rot",
    "SOG": "sog",
    "COG": "cog",
    "Heading": "heading",
    "IMO": "imo",
    "Callsign": "callsign",
    "Name": "name",
    "Ship type": "ship_type",
    "Cargo type": "cargo_type",
    "Width": "width",
    "Length": "length",
    "Type of position fixing device": "pos_fix_device",
    "Draught": "draught",
    "Destination": "destination",
    "ETA": "eta",
    "Data source type": "data_source_type",
    "A": "size_a",
    "B": "size_b",
    "C": "size_c",
    "D": "size_d",
}

DMA_TIMESTAMP_FORMAT = "%d/%m/%Y %H:%M:%S"

# NOAA MarineCadastre's layouts (docs/noaa.md). csv2: every year from 2015, the only one from
# 2025; longitude before latitude, times "2025-12-31 00:00:00", not-available values empty.
NOAA_CSV2_HEADER = (
    "mmsi",
    "base_date_time",
    "longitude",
    "latitude",
    "sog",
    "cog",
    "heading",
    "vessel_name",
    "imo",
    "call_sign",
    "vessel_type",
    "status",
    "length",
    "width",
    "draft",
    "cargo",
    "transceiver",
)
# Legacy daily zips (2018-2024): times "2023-01-11T00:00:01", IMO as "IMO9307839", heading 511
# and SOG 102.3 for not available. Public downloaders show the class column misspelt
# ("TranscieverClass") in some years: accepted, as are the same names in lower case.
NOAA_LEGACY_HEADER = (
    "MMSI",
    "BaseDateTime",
    "LAT",
    "LON",
    "SOG",
    "COG",
    "Heading",
    "VesselName",
    "IMO",
    "CallSign",
    "VesselType",
    "Status",
    "Length",
    "Width",
    "Draft",
    "Cargo",
    "TransceiverClass",
)
NOAA_LAYOUTS = (
    NOAA_CSV2_HEADER,
    NOAA_LEGACY_HEADER,
    (*NOAA_LEGACY_HEADER[:-1], "TranscieverClass"),
)

# NOAA column (any layout, lower case) -> the name silver's NOAA reader reads it under.
NOAA_READ_NAMES = {
    "mmsi": "mmsi",
    "base_date_time": "ts",
    "basedatetime": "ts",
    "latitude": "lat",
    "lat": "lat",
    "longitude": "lon",
    "lon": "lon",
    "sog": "sog",
    "cog": "cog",
    "heading": "heading",
    "vessel_name": "name",
    "vesselname": "name",
    "imo": "imo",
    "call_sign": "callsign",
    "callsign": "callsign",
    "vessel_type": "vessel_type",
    "vesseltype": "vessel_type",
    "status": "status",
    "length": "length",
    "width": "width",
    "draft": "draught",
    "cargo": "cargo",
    "transceiver": "transceiver",
    "transceiverclass": "transceiver",
    "transcieverclass": "transceiver",
}

SILVER_COLUMNS: tuple[Column, ...] = (
    Column("ts", "TIMESTAMP", "time of the report, UTC"),
    Column("mmsi", "INTEGER", "Maritime Mobile Service Identity (9 digits; leading zeros dropped)"),
    Column("lat", "DOUBLE", "latitude, WGS84 degrees, -90..90"),
    Column("lon", "DOUBLE", "longitude, WGS84 degrees, -180..180"),
    Column("sog", "DOUBLE", "speed over ground, knots, 0..102.2 (102.3 = not available -> NULL)"),
    Column("cog", "DOUBLE", "course over ground, degrees, 0..359.9 (360 = not available -> NULL)"),
    Column("heading", "SMALLINT", "true heading, degrees, 0..359 (511 = not available -> NULL)"),
    Column("rot", "DOUBLE", "rate of turn, degrees/minute as DMA publishes it (-128 -> NULL)"),
    Column("nav_status", "VARCHAR", "navigational status text, e.g. 'Under way using engine'"),
    Column("mobile_type", "VARCHAR", "transmitter: 'Class A', 'Class B', 'Base Station', 'AtoN'"),
    Column(
        "station_kind",
        "VARCHAR",
        "what the MMSI's form says the station is (ITU-R M.585): 'ship', 'coast_station', 'aton', "
        "...",
    ),
    Column("imo", "INTEGER", "IMO ship number (7 digits)"),
    Column("callsign", "VARCHAR", "radio call sign"),
    Column("name", "VARCHAR", "vessel name"),
    Column("ship_type", "VARCHAR", "ship type text, e.g. 'Cargo', 'Passenger', 'Fishing'"),
    Column("cargo_type", "VARCHAR", "cargo type text (hazard category)"),
    Column("width", "DOUBLE", "beam, metres"),
    Column("length", "DOUBLE", "length overall, metres"),
    Column("draught", "DOUBLE", "draught, metres"),
    Column("destination", "VARCHAR", "destination as typed by the crew"),
    Column("eta", "TIMESTAMP", "estimated time of arrival, UTC"),
    Column("pos_fix_device", "VARCHAR", "position fixing device, e.g. 'GPS', 'Surveyed'"),
    Column("data_source_type", "VARCHAR", "DMA's receiver class, e.g. 'AIS'"),
    Column("size_a", "SMALLINT", "GPS antenna to bow, metres (NULL in the 22-column layout)"),
    Column("size_b", "SMALLINT", "GPS antenna to stern, metres"),
    Column("size_c", "SMALLINT", "GPS antenna to port, metres"),
    Column("size_d", "SMALLINT", "GPS antenna to starboard, metres"),
    Column(
        "implied_speed_kn",
        "DOUBLE",
        "great-circle speed from this vessel's previous silver position that day, knots, over at "
        "least 10 s (docs/silver.md, Motion)",
    ),
    Column(
        "speed_anomaly",
        "BOOLEAN",
        "implied_speed_kn exceeds the configured limit: a position jump, flagged not dropped",
    ),
    Column(
        "repaired",
        "VARCHAR",
        "NULL, or the free-text field(s) whose unquoted comma shifted the line, undone",
    ),
    Column(
        "receiver",
        "VARCHAR",
        "the receiver that heard the report first (NMEA tag block s:, or a logger's station); "
        "NULL where the source does not say (DMA, NOAA)",
    ),
    Column(
        "receivers",
        "SMALLINT",
        "how many receivers heard the same report (its copies collapsed into this row); NULL "
        "where the source does not say",
    ),
    Column("source", "VARCHAR", "where the row comes from: 'dma', 'noaa' or 'nmea'"),
)

SILVER_COLUMN_NAMES = tuple(c.name for c in SILVER_COLUMNS)

# Rejected rows keep every raw field as text, plus why they were rejected.
REJECT_COLUMNS: tuple[Column, ...] = (
    Column("reason", "VARCHAR", "why the row is not in silver (see REJECT_REASONS)"),
    Column("line", "BIGINT", "line number in the bronze file, where known (DuckDB's; NMEA's)"),
    Column(
        "raw_line",
        "VARCHAR",
        "the raw line, for rows that could not be split into fields (NMEA: every reject's "
        "sentences, the lines of a multi-sentence message joined by a newline)",
    ),
    *(
        Column(raw, "VARCHAR", f"DMA field '{dma}' as text (NOAA rows: mapped to it)")
        for dma, raw in DMA_RAW_NAMES.items()
    ),
    Column("source", "VARCHAR", "'dma', 'noaa' or 'nmea'"),
)

# In the order they are tested: a row gets the first reason that applies.
# Reasons that are part of normal traffic, not data errors (the reject-rate check ignores them).
EXPECTED_REJECT_REASONS = ("no_position", "duplicate", "unsupported_type", "not_ais")

REJECT_REASONS: dict[str, str] = {
    "malformed_csv": "the line does not split into the header's number of fields (or holds an "
    "unbalanced quote or a lone CR: one broken record, kept with its raw text)",
    "line_too_long": "the line is longer than any AIS record (64 KiB); its raw text is cut to "
    "1,024 characters",
    "bad_timestamp": "the timestamp is missing or not in the source's form (DMA's dd/mm/yyyy "
    "hh:mm:ss, NOAA's yyyy-mm-dd[T]hh:mm:ss)",
    "ts_outside_day": "the timestamp falls outside the partition's UTC day",
    "invalid_mmsi": "the MMSI is not of an ITU-R M.585 form (ship, base station, AtoN, ...)",
    "no_position": "lat 91 / lon 181 or both empty: a static report (name, IMO, ...) without a "
    "position; expected, and read by the vessel registry",
    "invalid_position": "lat 91 with another longitude (often 0), or only one of lat/lon set",
    "position_out_of_range": "latitude beyond +-90 or longitude beyond +-180",
    "unparseable_field": "a numeric or date field holds text that is not a number or date",
    "shifted_fields": "the fields after a free-text field are out of place (an unquoted comma) "
    "and no single repair is proven; the raw line or fields are kept",
    "value_out_of_range": "SOG, COG, heading, ROT or a dimension outside what AIS can encode",
    "duplicate": "an exact duplicate of another row (same mmsi, ts, lat, lon): one copy is kept; "
    "NMEA: the same report heard again (by another receiver, within a minute)",
    "not_ais": "NMEA: a line that is not an AIS sentence (a comment, $GPGGA, noise)",
    "malformed_sentence": "NMEA: an AIS sentence whose fields are not where they must be",
    "bad_checksum": "NMEA: the sentence's or its tag block's checksum does not match",
    "orphan_fragment": "NMEA: part of a multi-sentence message whose other parts never came "
    "(within 1,000 lines and 60 s)",
    "undecodable_payload": "NMEA: an empty payload, a character outside the 6-bit armour, or "
    "one pyais cannot decode",
    "unsupported_type": "NMEA: a message that carries no position or vessel data (types 6, 7, "
    "8, 10-17, 20, 22, 23, 25, 26); expected traffic",
    "no_time": "NMEA: no tag block, logger or receiver gave the line a time (a log without "
    "times, AISLAKE_NMEA_UNTIMED=reject)",
}
