"""Gold: the products built from silver, each defined once in :mod:`.registry`.

- :mod:`.core`: parameters, inputs, reading silver, writing and publishing a partition;
- :mod:`.daily`: the day's summary, vessel registry, tracks and stops (SQL built in Python);
- :mod:`.density`: traffic density in hours on a 1 km EPSG:3035 grid, daily and monthly;
- :mod:`.movements`: anchorages, port runs, port visits, voyages and AIS gaps;
- ``sql/``: the SQL that reads better as a file than as an f-string (``$name`` placeholders);
- :mod:`.registry`: every product (name, columns, SQL, checks, UI figures) and how to build it.
"""
