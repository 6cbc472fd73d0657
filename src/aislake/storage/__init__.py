"""Where the lake lives: object stores (a local folder, an S3 bucket), the keys of every dataset
(built and parsed in :mod:`.layout`), versions and the pointers that name them, owner-named
temporary places. No DuckDB, no Dagster."""
