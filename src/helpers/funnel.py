"""Funnel plot limits for user shares: small municipalities are not called extreme for noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

Z = {"95": 1.959964, "99.8": 3.090232}


def funnel_limits(users: pd.Series, population: pd.Series, per: float = 10_000, points: int = 60) -> tuple[float, pd.DataFrame]:
    """The pooled rate (sum over sums) and binomial control limits across population sizes.

    For a population n the limits are p +/- z sqrt(p (1 - p) / n), with p the pooled share; returned per
    `per` inhabitants on a grid from the smallest to the largest population.
    """
    p = float(users.sum() / population.sum())
    grid = np.geomspace(population.min() * 0.8, population.max() * 1.2, points)
    frame = pd.DataFrame({"population": grid})
    for name, z in Z.items():
        half = z * np.sqrt(p * (1 - p) / grid)
        frame[f"lower_{name}"] = np.maximum(p - half, 0) * per
        frame[f"upper_{name}"] = (p + half) * per
    return p * per, frame


def outside_limits(users: pd.Series, population: pd.Series, level: str = "99.8", per: float = 10_000) -> pd.Series:
    """-1 below, 0 inside, +1 above the control limits at each municipality's own population."""
    p = float(users.sum() / population.sum())
    half = Z[level] * np.sqrt(p * (1 - p) / population)
    rate = users / population
    return pd.Series(np.where(rate > p + half, 1, np.where(rate < p - half, -1, 0)), index=users.index)
