"""The parameters of silver's cleaning rules (docs/silver.md explains each rule; their SQL is
``sql/classify.sql``: why a row is rejected, and ``sql/silver_rows.sql``: the value each silver
column takes)."""

from __future__ import annotations

from dataclasses import dataclass

from aislake.ais.motion import MotionRules


@dataclass(frozen=True)
class SilverRules:
    """Parameters of the cleaning rules (docs/silver.md explains each)."""

    max_implied_speed_kn: float = 50.0
    min_span_seconds: float = 10.0
    # A new version of a stored day is refused with valid rows down by more than this share,
    # or a share of unexpected rejects up by more than this many points (1: accept anything).
    replace_max_drop: float = 0.02
    replace_max_reject_rise: float = 0.02

    def motion(self) -> MotionRules:
        return MotionRules(
            max_speed_kn=self.max_implied_speed_kn, min_span_seconds=self.min_span_seconds
        )
