"""The benchmark report's data-quality section: the findings of the key-figure checks for the report's municipalities,
the municipalities far from their peers, and the analyst's exclusions, as one table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.render.formats import format_number
from helpers.render.tables import danish_table
from helpers.reports import data_quality
from helpers.reports.benchmark.data import BenchmarkData


def describe_peer_extremes(extreme: pd.DataFrame) -> pd.DataFrame:
    """Peer extremes (analysis.benchmark.peer_extremes) with a Danish sentence each, as the quality table lists them."""
    return extreme.assign(
        description=[
            f"{r.name} {r.year}, {r.label_da}: {format_number(r.expenditure_per_inhabitant)} kr. pr. indbygger, "
            f"{format_number(r.ratio, 1)} gange gennemsnittet for de sammenlignelige kommuner ({format_number(r.peer_expenditure_per_inhabitant)} kr.)"
            for r in extreme.itertuples()
        ]
    )


@dataclass
class Quality:
    """The findings one benchmark report lists."""

    data: BenchmarkData

    def frame(self) -> pd.DataFrame:
        """The findings of the key-figure checks for the region's municipalities in the area (every year, the definition the
        data-quality report counts by: data_quality.flagged), plus peer extremes and the analyst's exclusions."""
        d = self.data
        own = d.findings[d.findings["municipality_code"].isin(d.members)]
        found = own[
            own["municipality_name"].isin(data_quality.flagged(own, d.area))
            & own["finding"].isin(data_quality.KEY_FIGURE_FINDINGS)
            & (own["area"] == d.area)
        ]
        frame = found.rename(columns={"municipality_code": "code", "municipality_name": "name"})[
            ["finding", "code", "name", "year", "description"]
        ]
        averages = benchmark.peer_averages(d.municipal[d.municipal["year"] == d.year], d.peers)
        extreme = describe_peer_extremes(
            benchmark.peer_extremes(d.own(d.municipal[d.municipal["year"] == d.year]), averages)
        )
        manual = pd.DataFrame(
            [
                {"finding": "manual", "code": e.code, "name": e.name, "year": None, "description": e.reason}
                for e in d.excluded
                if e.kind == "manual"
            ],
            columns=frame.columns,
        )
        frame = pd.concat([frame, extreme.assign(finding="peer_extreme")[frame.columns], manual], ignore_index=True)
        frame = frame.assign(
            finding=frame["finding"].map(labels.FINDING_LABELS),
            year=frame["year"].astype("Int64"),  # shown as 2019 under "År" (render.tables), a number in the workbook
        )
        return frame.sort_values(["name", "year", "finding"], ignore_index=True)

    def table(self) -> pd.io.formats.style.Styler:
        """The findings as the report shows them (Danish headers)."""
        return danish_table(
            self.frame().drop(columns="code"),
            {"finding": "Fund", "name": "Kommune", "year": "År", "description": "Beskrivelse"},
        )
