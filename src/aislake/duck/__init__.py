"""DuckDB: connections bounded in memory and threads with the lake's S3 secret and extensions
(:mod:`.engine`), and the one way SQL text is built from values (:mod:`.sql`)."""
