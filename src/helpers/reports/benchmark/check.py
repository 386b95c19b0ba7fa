"""The benchmark report's last cell: the figures it shows reconcile with the marts, or the batch run stops."""

from __future__ import annotations

from helpers.analysis import benchmark
from helpers.reports.benchmark.data import BenchmarkData


def check(d: BenchmarkData) -> None:
    """Assert the report reconciles: the region's figures are sums over its municipalities; the decomposition adds up.

    Run as the last cell of the notebooks, so every batch run and every nbval run re-checks the key figures.
    """
    own = d.own(d.municipal)
    pooled = benchmark.pooled(own, ["year", "measure_group"]).set_index(["year", "measure_group"])
    mart = d.regions[d.regions["code"] == d.region].set_index(["year", "measure_group"])
    suppressed = own.groupby(["year", "measure_group"])["protection"].apply(lambda p: p.ne("").any())
    for figure in benchmark.FIGURES:
        got, want = pooled[figure], mart[figure].reindex(pooled.index)
        if figure != "expenditure_per_inhabitant":  # hidden user counts leave municipalities out of the pooled figures
            got, want = got[~suppressed.reindex(got.index)], want[~suppressed.reindex(want.index)]
        diff = (got - want).abs() > 1e-6 * want.abs().clip(lower=1)
        if diff.any():
            raise AssertionError(
                f"{figure}: region figures are not sums over its municipalities for {list(got[diff].index)[:3]}"
            )
    parts = benchmark.decompose_changes(own, d.period_start, d.year)
    gap = (parts["change_pct"] - parts[["user_share_pct", "unit_cost_pct", "population_mix_pct"]].sum(axis=1)).abs()
    if (gap > 1e-9).any():
        raise AssertionError("the decomposition parts do not add up to the change")
