"""``aislake map``: a web map of the lake, served on localhost (``server``), over the gold
products read through their current versions (``queries``, the SQL in ``sql/``), for views a
request names and this package checks (``view``); the page and its pinned Leaflet in ``static/``.
"""
