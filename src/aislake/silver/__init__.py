"""Silver: a bronze day typed, cleaned and deduplicated into the lake's one schema, in named
steps (:mod:`.build` orchestrates them), and the measurements its checks read (:mod:`.stats`)."""
