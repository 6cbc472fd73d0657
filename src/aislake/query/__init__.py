"""Reading the lake with SQL: a view per dataset over its current files (:mod:`.views`), and
the guard that keeps a read-only query inside the lake (:mod:`.guard`)."""
