"""The archives aislake reads, one package each behind one :class:`~aislake.sources.base.Source`
(its archive's URLs and listings, its files' layout, its reader into silver's fields, its
capabilities), registered in :mod:`.registry`; :mod:`.fetch` is the download they share."""
