"""Funnel limits on hand-worked numbers."""

import math

import pandas as pd
import pytest

from helpers.analysis.funnel import funnel_limits, outside_limits


def test_pooled_rate_and_limits_hand_worked():
    users = pd.Series([30, 300])
    pop = pd.Series([1_000, 10_000])
    pooled, limits = funnel_limits(users, pop, points=5, overdispersion=False)
    assert pooled == pytest.approx(330 / 11_000 * 10_000)  # 300 per 10,000: sum over sums
    n = limits["population"].iloc[0]
    half = 1.959964 * math.sqrt(0.03 * 0.97 / n)
    assert limits["upper_95"].iloc[0] == pytest.approx((0.03 + half) * 10_000)
    assert (limits["upper_99.8"] >= limits["upper_95"]).all() and limits["upper_95"].is_monotonic_decreasing


def test_small_municipality_with_high_rate_is_inside_large_one_is_outside():
    users = pd.Series([30, 450, 3000, 3000])
    pop = pd.Series([1_000, 100_000, 100_000, 100_000])
    flags = outside_limits(users, pop, overdispersion=False)
    # Pooled about 215 per 10,000: 300 on 1,000 inhabitants is noise; 45 on 100,000 is not.
    assert flags.tolist()[0] == 0 and flags.tolist()[1] == -1
