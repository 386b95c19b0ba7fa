"""Split a change in expenditure per inhabitant into user-share change and unit-cost change, exactly.

expenditure per inhabitant = users per 10,000 x unit cost x (user population / potential population) / 10,000,
so the log change is the sum of the log changes of the factors. The percentage change is shared out in
proportion to those log contributions: the parts add up exactly to the total. For children the last
factor (0-17-year-olds per 0-22-year-old) is the population mix; for adults it is 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def decompose(expenditure_start, expenditure_end, share_start, share_end, cost_start, cost_end) -> pd.DataFrame:
    """Total % change and its parts: user share, unit cost and population mix (which add up to the total)."""
    e0, e1, s0, s1, c0, c1 = (
        np.asarray(v, dtype=float)
        for v in (expenditure_start, expenditure_end, share_start, share_end, cost_start, cost_end)
    )
    total_log = np.log(e1 / e0)
    share_log, cost_log = np.log(s1 / s0), np.log(c1 / c0)
    mix_log = total_log - share_log - cost_log
    total_pct = 100 * (e1 / e0 - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(total_log != 0, total_pct / total_log, 100.0)  # as the change goes to 0, % = 100 x log
    return pd.DataFrame(
        {
            "change_pct": total_pct,
            "user_share_pct": share_log * scale,
            "unit_cost_pct": cost_log * scale,
            "population_mix_pct": mix_log * scale,
        }
    )
