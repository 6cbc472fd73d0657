"""Bronze: a day's file as the source wrote it. Its lines counted (:mod:`.lines`), zstd decoded
and verified (:mod:`.zstd`), lines DuckDB cannot read taken aside (:mod:`.sanitize`), its
manifest (:mod:`.manifest`), and how a day or its re-fetch is published (:mod:`.publishing`)."""
