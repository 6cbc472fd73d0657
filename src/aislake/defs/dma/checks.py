"""Checks on DMA silver (``aislake.defs.sources.silver_checks``: the same for every source)."""

import dagster as dg

from aislake.defs.sources import only_if_active, silver_checks

dma_silver_checks = silver_checks("dma")


@dg.definitions
def dma_checks() -> dg.Definitions:
    return only_if_active("dma", asset_checks=dma_silver_checks)
