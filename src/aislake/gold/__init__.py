"""Gold: the products built from silver, each defined once in a module of :mod:`.products`.

- :mod:`.spec`: what a product is (``GoldProduct``); :mod:`.figures`: the columns,
  measurements and UI figures products share;
- :mod:`.products`: one module a product, each its ``PRODUCT``; :mod:`.registry`: ``PRODUCTS``
  in build order, and how any of them is built;
- :mod:`.core`: parameters, inputs, reading silver, writing and publishing a partition;
- :mod:`.daily`: the day's positions, summary, vessel registry, tracks and stops (SQL built in
  Python); :mod:`.density`: traffic density on a 1 km EPSG:3035 grid, daily and monthly;
  :mod:`.movements`: anchorages, port runs, port visits, voyages and AIS gaps;
- ``sql/``: the SQL that reads better as a file (``$name`` placeholders, linted by sqlfluff);
- :mod:`.docs`: docs/gold.md's tables rendered from the products; :mod:`.heatmap`: the
  density heatmap over Natural Earth's land.
"""
