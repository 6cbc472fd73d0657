"""Checks on NOAA silver (``aislake.defs.sources.silver_checks``: the same for every source)."""

import dagster as dg

from aislake.defs.sources import only_if_active, silver_checks

noaa_silver_checks = silver_checks("noaa")


@dg.definitions
def noaa_checks() -> dg.Definitions:
    return only_if_active("noaa", asset_checks=noaa_silver_checks)
