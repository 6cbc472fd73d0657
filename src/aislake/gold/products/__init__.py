"""One module a gold product, each its ``PRODUCT``: name, description, columns, partitioning,
what it reads, SQL, checks and figures (``aislake.gold.spec.GoldProduct``). Registered, in
build order, in ``aislake.gold.registry.PRODUCTS``."""
