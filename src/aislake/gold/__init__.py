"""Gold: the products built from silver, each defined once in a module of :mod:`.products`.

- :mod:`.spec`: what a product is (``GoldProduct``); :mod:`.figures`: the columns,
  measurements and UI figures products share;
- :mod:`.products`: one module a product, each its ``PRODUCT``; :mod:`.registry`: ``PRODUCTS``
  in build order, and how any of them is built;
- :mod:`.core`: parameters, reading silver, a product's SQL and its bound parameters, writing
  and publishing a partition;
- ``sql/``: each product's SQL, a static file that runs as written (its inputs as views named
  after them, ``$name`` parameters; linted by sqlfluff); ``macros.sql``: what they share
  (vessels, ship types, linked runs) as DuckDB macros;
- :mod:`.docs`: docs/gold.md's tables rendered from the products; :mod:`.heatmap`: the
  density heatmap over Natural Earth's land.
"""
