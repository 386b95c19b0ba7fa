"""What a benchmark report reads once and every section shares: its parameters, the marts' frames, names and headers.

`read` reads the marts for one area, region (or the whole country) and period, protects small user counts
(analysis.benchmark.protect_users) and finds who is left out of which figure (exclusions); `BenchmarkData` holds the
result and the frames derived from it that several sections read (a year's municipalities with their peer averages).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.analysis.peers import peer_groups
from helpers.render import charts
from helpers.render.formats import slugify
from helpers.reports.benchmark import exclusions
from helpers.warehouse import marts

TOTAL = labels.TOTAL_GROUP
COUNTRY = labels.COUNTRY_CODE


@dataclass
class BenchmarkData:
    """The data of one benchmark report, for one area, region (or the whole country) and period."""

    area: str
    region: str
    region_name: str
    year: int
    period_start: int
    long_series_start: int
    price_base_year: int
    regions: pd.DataFrame  # regions + country, every year of the long series (small user counts hidden)
    municipal: pd.DataFrame  # every municipality, every year of the long series (small user counts hidden)
    members: dict[str, str]  # the region's municipalities {code: name}
    peers: pd.DataFrame
    findings: pd.DataFrame
    excluded: list[exclusions.Exclusion] = field(default_factory=list)
    _years: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> dict[str, str]:
        """The area's words: its age groups, "pr. 0-22-årig", the users' header."""
        return labels.AREA_TEXT[self.area]

    @property
    def labels(self) -> dict[str, str]:
        """Danish label of each measure group."""
        return dict(zip(self.regions["measure_group"], self.regions["label_da"]))

    def headers(self, regional: bool = False) -> dict[str, str]:
        """Danish CSV headers for this report's figures: the area's age groups and the period's years in the names."""
        names = {
            "expenditure_per_inhabitant": f"Udgift {self.text['per']}, kr.",
            "users_per_10000": self.text["users"],
            "unit_cost": "Enhedsudgift, kr. pr. bruger",
        }
        out = {
            "code": "Regionskode" if regional else "Kommunekode",
            "name": "Region" if regional else "Kommune",
            "value": names["expenditure_per_inhabitant"],
            "user_population": f"Antal {self.text['user_population']}",
        }
        for figure, name in names.items():
            out |= {
                figure: name,
                f"peer_{figure}": f"{name}, gns. sammenlignelige kommuner",
                f"{figure}_start": f"{name}, {self.period_start}",
                f"{figure}_end": f"{name}, {self.year}",
                f"{figure}_change_pct": f"{labels.FIGURE_LABELS[figure]}, ændring {self.period_start}-{self.year}, pct.",
            }
        return out

    def file_name(self, what: str, *years: int) -> str:
        """A download's Danish file name: what, the area and the years ("tragtplot_boern-og-unge_2024.csv")."""
        return "_".join([slugify(what), slugify(labels.AREA_LABELS[self.area]), "-".join(map(str, years))]) + ".csv"

    @property
    def average_label(self) -> str:
        """The region's (or the country's) average as a row or line is named in tables and figures."""
        return (
            charts.COUNTRY_AVERAGE if self.region == COUNTRY else charts.REGION_AVERAGE
        )  # each drawn in its own style

    @property
    def average_name(self) -> str:
        """The average in a sentence: "gennemsnittet i regionen" or "landsgennemsnittet"."""
        return "landsgennemsnittet" if self.region == COUNTRY else "gennemsnittet i regionen"

    def region_rows(self, year: int) -> pd.DataFrame:
        """The regions' and the country's rows in a year."""
        return self.regions[self.regions["year"] == year]

    def own(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of the report's municipalities (the region's, or all in the whole country's report)."""
        return frame[frame["code"].isin(self.members)]

    def municipal_year(self, year: int | None = None) -> pd.DataFrame:
        """The region's municipalities in a year, with each one's peer averages (sums over its peers); computed once a year."""
        year = year or self.year
        if year not in self._years:
            every = self.municipal[self.municipal["year"] == year]
            clean, _ = exclusions.apply(every, self.excluded, (year,))  # peers' averages without impossible figures
            averages = benchmark.peer_averages(clean, self.peers)
            self._years[year] = self.own(every).merge(averages, on=["code", "measure_group"], how="left")
        return self._years[year]

    def lines(self, frame: pd.DataFrame, figure: str) -> pd.DataFrame:
        """Min and max over the shown municipalities and the region's (sums over sums) average, per measure group."""
        spread = frame.groupby("label_da", sort=False)[figure].agg(["max", "min"])
        rows = self.region_rows(self.year)
        region = rows[rows["code"] == self.region].set_index("label_da")[figure]
        lines = pd.DataFrame(
            {
                charts.HIGHEST: spread["max"],
                charts.LOWEST: spread["min"],
                self.average_label: region.reindex(spread.index),
            }
        )
        return lines.rename_axis("label_da").reset_index().melt("label_da", var_name="line", value_name="value")


def read(
    area: str,
    region: str = COUNTRY,
    year: int = 2017,
    period_start: int = 2014,
    long_series_start: int = 2010,
    price_base_year: int | None = None,
    exclude: dict[str, str] | None = None,
    peers: int = 5,
) -> BenchmarkData:
    """Read the marts for one report: regions and municipalities over the long series, peers and findings."""
    region, year, period_start, long_series_start = (
        str(region).zfill(3),
        int(year),
        int(period_start),
        int(long_series_start),
    )
    price_base_year = int(price_base_year or year)
    if not long_series_start <= period_start < year:
        raise ValueError(
            f"need long series start <= period start < year, got {long_series_start}, {period_start}, {year}"
        )
    # read unprotected and protected below, municipalities and regions together (as marts.protect_frames does)
    regions = marts.benchmark_series(area, long_series_start, year, price_base_year, level="region", protect=False)
    if region not in set(regions["code"]):
        raise ValueError(
            f"unknown region {region!r}; use {COUNTRY} (whole country) or one of {', '.join(sorted(set(regions['code']) - {COUNTRY}))}"
        )
    municipal, regions = benchmark.protect_users(
        marts.benchmark_series(area, long_series_start, year, price_base_year, protect=False),
        regions,
        marts.measure_groups(area),
    )
    names = dict(zip(municipal["code"], municipal["name"]))
    members = {
        c: n
        for c, n, r in municipal[["code", "name", "region_code"]].drop_duplicates().itertuples(index=False)
        if region == COUNTRY or r == region
    }
    region_name = regions.loc[regions["code"] == region, "name"].iloc[0]
    findings = marts.findings(with_municipality=True)
    excluded = exclusions.manual(exclude or {}, names) + exclusions.from_findings(findings[findings["area"] == area])
    return BenchmarkData(
        area,
        region,
        region_name,
        year,
        period_start,
        long_series_start,
        price_base_year,
        regions,
        municipal,
        members,
        peer_groups(marts.peer_features(year), peers),
        findings,
        excluded,
    )
