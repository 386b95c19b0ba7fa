"""Calibrate a spread of municipal values to a published minimum, maximum and weighted average."""

from __future__ import annotations

import numpy as np


def weighted_mean(values: np.ndarray, weights: np.ndarray, kind: str) -> float:
    """Arithmetic mean weighted by `weights`, or harmonic (sum of weights / sum of weights/value).

    A user share averaged over municipalities is arithmetic in the population (all users / all
    inhabitants); a unit cost is harmonic in the expenditure (all expenditure / all users).
    """
    if kind == "arithmetic":
        return float((values * weights).sum() / weights.sum())
    return float(weights.sum() / (weights / values).sum())


def calibrate_spread(
    base: np.ndarray, weights: np.ndarray, lo: float, hi: float, target: float, kind: str = "arithmetic"
) -> np.ndarray:
    """Values with the order of `base`, exactly `lo` at its smallest, `hi` at its largest, and `target` as mean.

    The interior values are mapped to [lo, hi] and then shifted on a log scale (clipped to the
    range) until the weighted mean hits the target; the shift is found by bisection.
    """
    base = np.asarray(base, dtype=float)
    i_lo, i_hi = int(np.argmin(base)), int(np.argmax(base))
    scaled = lo + (base - base.min()) / (base.max() - base.min()) * (hi - lo)
    interior = np.ones(len(base), dtype=bool)
    interior[[i_lo, i_hi]] = False

    def values(shift: float) -> np.ndarray:
        out = scaled.copy()
        # A margin keeps interior values clear of the extremes once users are rounded to whole persons.
        out[interior] = np.clip(scaled[interior] * np.exp(shift), lo * 1.03, hi * 0.97)
        return out

    a, b = -5.0, 5.0
    if not weighted_mean(values(a), weights, kind) <= target <= weighted_mean(values(b), weights, kind):
        raise ValueError(f"target mean {target} cannot be reached within [{lo}, {hi}]")
    for _ in range(200):
        mid = (a + b) / 2
        if weighted_mean(values(mid), weights, kind) < target:
            a = mid
        else:
            b = mid
    return values((a + b) / 2)
