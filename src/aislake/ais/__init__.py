"""The domain: AIS fields and silver's schema, MMSI forms, motion rules, days. No I/O: plain
values and the SQL expressions the layers above run."""
