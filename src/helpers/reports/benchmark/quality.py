"""The benchmark report's data-quality section: the findings of the key-figure checks for the report's municipalities,
the municipalities far from their peers, and the analyst's exclusions, as one table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.render.formats import danish_key, format_number
from helpers.render.tables import danish_table
from helpers.reports import data_quality
from helpers.reports.benchmark.data import BenchmarkData


def describe_peer_extremes(extreme: pd.DataFrame, per: str) -> pd.DataFrame:
    """Peer extremes (analysis.benchmark.peer_extremes) in Danish as the quality table lists them: what is found
    (`issue`) and the year's value (`values`); `per` is what the area's expenditure is per ("pr. 0-22-årig")."""
    return extreme.assign(
        issue=[
            f"{r.label_da}: udgift {per} {'over det dobbelte' if r.ratio > 1 else 'under halvdelen'} af gennemsnittet "
            "for de sammenlignelige kommuner"
            for r in extreme.itertuples()
        ],
        values=[
            f"{r.year}: {format_number(r.expenditure_per_inhabitant)} kr., {format_number(r.ratio, 1)} gange "
            f"gennemsnittet ({format_number(r.peer_expenditure_per_inhabitant)} kr.)"
            for r in extreme.itertuples()
        ],
    )


@dataclass
class Quality:
    """The findings one benchmark report lists."""

    data: BenchmarkData

    def frame(self) -> pd.DataFrame:
        """The findings of the key-figure checks for the region's municipalities in the area (every year, the definition the
        data-quality report counts by: data_quality.flagged), grouped by issue as that report lists them
        (data_quality.issues), plus peer extremes in the report year and the analyst's exclusions."""
        d = self.data
        own = d.findings[d.findings["municipality_code"].isin(d.members)]
        found = own[
            own["municipality_name"].isin(data_quality.flagged(own, d.area))
            & own["finding"].isin(data_quality.KEY_FIGURE_FINDINGS)
            & (own["area"] == d.area)
        ]
        grouped = data_quality.issues(found=found).rename(columns={"municipality_name": "name"})
        averages = benchmark.peer_averages(d.municipal[d.municipal["year"] == d.year], d.peers)
        extreme = describe_peer_extremes(
            benchmark.peer_extremes(d.own(d.municipal[d.municipal["year"] == d.year]), averages), d.text["per"]
        )
        peers = extreme.assign(finding=labels.FINDING_LABELS["peer_extreme"], years=extreme["year"].astype(str))
        peers = peers[["finding", "name", "issue", "years", "values"]]
        manual = pd.DataFrame(
            [
                {
                    "finding": labels.FINDING_LABELS["manual"],
                    "name": e.name,
                    "issue": e.reason,
                    "years": "",
                    "values": "",
                }
                for e in d.excluded
                if e.kind == "manual"
            ],
            columns=peers.columns,
        )
        frame = pd.concat([grouped[peers.columns], peers, manual], ignore_index=True)
        frame = frame.assign(order=frame["name"].map(danish_key))
        return frame.sort_values(["order", "years", "finding"], ignore_index=True).drop(columns="order")

    def table(self) -> pd.io.formats.style.Styler:
        """The findings as the report shows them (Danish headers)."""
        return danish_table(
            self.frame(),
            {"finding": "Fund", "name": "Kommune", "issue": "Beskrivelse", "years": "År", "values": "Værdi pr. år"},
        )
