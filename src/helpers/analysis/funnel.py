"""Funnel plot limits for user shares: small municipalities are not called extreme for noise.

Limits are binomial around the pooled share, widened by a multiplicative over-dispersion factor when
municipalities differ more than chance allows (Spiegelhalter 2005: phi is the mean squared z-score
after winsorising the 10 % most extreme at each end; limits x sqrt(phi) when phi > 1). Without it, a
share based on 20,000 children would be "outside" for differences no one would call extreme.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z = {"95": 1.959964, "99.8": 3.090232}


def dispersion(users: pd.Series, population: pd.Series, winsor: float = 0.1) -> float:
    """The over-dispersion factor phi (at least 1): the mean squared winsorised z-score against the pooled share."""
    p = float(users.sum() / population.sum())
    z = (users / population - p) / np.sqrt(p * (1 - p) / population)
    low, high = np.quantile(z, [winsor, 1 - winsor])
    return max(1.0, float(np.mean(np.clip(z, low, high) ** 2)))


def _half_width(p: float, population, level: str, phi: float):
    return Z[level] * np.sqrt(phi * p * (1 - p) / population)


def funnel_limits(
    users: pd.Series, population: pd.Series, per: float = 10_000, points: int = 40, overdispersion: bool = True
) -> tuple[float, pd.DataFrame]:
    """The pooled rate (sum over sums) and control limits across population sizes, per `per` inhabitants.

    For a population n the limits are p +/- z sqrt(phi p (1 - p) / n), with p the pooled share and phi the
    over-dispersion factor (1 with `overdispersion=False`), on a grid from the smallest to the largest population.
    """
    p = float(users.sum() / population.sum())
    phi = dispersion(users, population) if overdispersion else 1.0
    grid = np.geomspace(population.min() * 0.8, population.max() * 1.2, points)
    frame = pd.DataFrame({"population": grid})
    for level in Z:
        half = _half_width(p, grid, level, phi)
        frame[f"lower_{level}"] = np.maximum(p - half, 0) * per
        frame[f"upper_{level}"] = (p + half) * per
    return p * per, frame


def outside_limits(
    users: pd.Series, population: pd.Series, level: str = "99.8", overdispersion: bool = True
) -> pd.Series:
    """-1 below, 0 inside, +1 above the control limits at each municipality's own population."""
    p = float(users.sum() / population.sum())
    half = _half_width(p, population, level, dispersion(users, population) if overdispersion else 1.0)
    rate = users / population
    return pd.Series(np.where(rate > p + half, 1, np.where(rate < p - half, -1, 0)), index=users.index)
