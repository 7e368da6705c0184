"""Small statistics helpers for the dashboard and the monthly figures.

Rates are Decimals rounded half-up, the way the station's reports are written
by hand (99.725% is reported as 99.73%, not the banker's 99.72%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

Number = int | float | Decimal

_HUNDREDTH = Decimal("0.01")


def percentile(values: Sequence[Number], q: float) -> float:
    """The ``q``-th percentile (0–100), interpolating between ranks like Excel's PERCENTILE.INC."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(float(v) for v in values)
    position = (len(ordered) - 1) * q / 100
    below, above = math.floor(position), math.ceil(position)
    weight = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * weight


def median(values: Sequence[Number]) -> float:
    return percentile(values, 50)


def p90(values: Sequence[Number]) -> float:
    """The 90th percentile, e.g. of days from report to closure."""
    return percentile(values, 90)


def rate(part: Number, whole: Number) -> Decimal | None:
    """``part`` as a percentage of ``whole`` with two decimals, or None when ``whole`` is 0.

    None rather than 0 or 100: a station with no disputes this month has no closure rate.
    """
    if part < 0 or whole < 0:
        raise ValueError("rates are of non-negative counts")
    if whole == 0:
        return None
    exact = Decimal(str(part)) * 100 / Decimal(str(whole))
    return exact.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def format_rate(value: Decimal | None, missing: str = "—") -> str:
    """``Decimal("99.73")`` as ``"99.73%"``; ``missing`` when there is no rate."""
    return missing if value is None else f"{value}%"
