"""What a benchmark report reads once and every section shares: its parameters, the marts' frames, names and headers.

`read` reads the marts for one area, region (or the whole country) and period, protects small user counts
(analysis.benchmark.protect_users) and finds who is left out of which figure (exclusions); `BenchmarkData` holds the
result and the frames derived from it that several sections read (a year's municipalities with their peer averages).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.analysis.peers import peer_groups
from helpers.render import charts
from helpers.render.formats import slugify
from helpers.reports.benchmark import exclusions
from helpers.warehouse import marts, query

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
    highlight: str = (
        ""  # a municipality's code, marked in the charts and tables of its municipalities (reports --municipality)
    )
    _years: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    _averages: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    _change: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def highlight_name(self) -> str:
        """The highlighted municipality's name ("" for none)."""
        return self.members.get(self.highlight, "")

    def highlight_notes(self, notes: list) -> list:
        """A figure's notes, with the line that says which municipality is highlighted and how."""
        return [*notes, charts.HIGHLIGHT_NOTE.format(name=self.highlight_name)] if self.highlight_name else notes

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
            "potential_users": f"Antal {self.text['inhabitants']}",
            "expenditure_tkr": f"Udgift i alt, 1.000 kr. (faste {self.price_base_year}-priser)",
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

    def period_change(self) -> pd.DataFrame:
        """The region's municipalities' key figures at the period's start and end and their change in percent, per
        measure group (analysis.benchmark.change); computed once."""
        if self._change is None:
            self._change = benchmark.change(self.own(self.municipal), self.period_start, self.year)
        return self._change

    def averages(self) -> pd.DataFrame:
        """The region's and the country's average of each key figure in the report year and of its change over the period,
        per measure group (index: scope "region" or "country", measure_group): sums over sums of the municipalities
        that a figure of it shows, so a municipality left out (a finding, the analyst) or hidden (small user counts) is
        out of the average too and the average line can be recomputed from the bars. Computed once."""
        if self._averages is None:
            now = self.municipal[self.municipal["year"] == self.year]
            years = (self.period_start, self.year)
            ends = self.municipal[self.municipal["year"].isin(years)]
            parts = []
            for scope, pick in (("region", self.own), ("country", lambda frame: frame)):
                shown, _ = exclusions.apply(pick(now), self.excluded, (self.year,))
                changes, _ = exclusions.apply(benchmark.change(pick(ends), *years), self.excluded, years)
                out = {}
                for figure in benchmark.FIGURES:
                    rows = shown[shown[figure].notna()]
                    out[figure] = benchmark.pooled(rows, ["measure_group"]).set_index("measure_group")[figure]
                    change = f"{figure}_change_pct"
                    both = ends.merge(changes.loc[changes[change].notna(), ["code", "measure_group"]])
                    level = benchmark.pooled(both, ["year", "measure_group"]).pivot(
                        index="measure_group", columns="year", values=figure
                    )
                    out[change] = (100 * (level[years[1]] / level[years[0]] - 1)) if len(level) else pd.Series()
                parts.append(pd.DataFrame(out).rename_axis("measure_group").assign(scope=scope))
            self._averages = pd.concat(parts).reset_index().set_index(["scope", "measure_group"])
        return self._averages

    def lines(self, frame: pd.DataFrame, figure: str) -> pd.DataFrame:
        """The reference lines of a municipal figure per measure group: min and max of the shown municipalities (`frame`),
        the region's average over them and, in a region's report, the country's (averages)."""
        spread = frame.groupby("label_da", sort=False)[figure].agg(["max", "min"])
        groups = frame.drop_duplicates("label_da").set_index("label_da")["measure_group"].reindex(spread.index)
        averages = self.averages()[figure]
        lines = {charts.HIGHEST: spread["max"], charts.LOWEST: spread["min"]}
        lines[self.average_label] = groups.map(averages.loc["region"])
        if self.region != COUNTRY:
            lines[charts.COUNTRY_AVERAGE] = groups.map(averages.loc["country"])
        lines = pd.DataFrame(lines).rename_axis("label_da").reset_index()
        return lines.melt("label_da", var_name="line", value_name="value").dropna(subset=["value"])

    def reasons(self, figures: tuple[str, ...], years: tuple[int, ...], positive: tuple[bool, ...]) -> pd.DataFrame:
        """Why a municipality's figure over `years` cannot be shown (code, measure_group, reason in Danish; "" where it
        can): each of `figures` in each year (exclusions.why_empty; `positive`: per year, must the figure be above 0), a
        reason true of several years said once with them ("intet brugertal i 2021 og 2024"), the report year's alone
        without its year. The report's municipalities only (the figures show no others)."""
        municipal = self.own(self.municipal)
        parts = []
        for year, above in zip(years, positive):
            rows = municipal[municipal["year"] == year]
            parts += [
                rows[["code", "measure_group"]].assign(key=exclusions.why_empty(rows, f, above), figure=f, year=year)
                for f in figures
            ]
        found = pd.concat(parts)
        found = found[found["key"] != ""]
        said = found.groupby(["code", "measure_group", "key", "figure"], sort=False)["year"].agg(list).reset_index()
        said["reason"] = [
            exclusions.reason_text(r.key, r.figure, None if years == (self.year,) else r.year)
            for r in said.itertuples()
        ]
        joined = said.groupby(["code", "measure_group"], sort=False)["reason"].agg(
            lambda r: "; ".join(dict.fromkeys(r))
        )
        keys = municipal[["code", "measure_group"]].drop_duplicates()
        found = joined.reindex(pd.MultiIndex.from_frame(keys))
        return keys.assign(reason=[r if isinstance(r, str) else "" for r in found])


@functools.lru_cache(maxsize=4)
def _protected(
    warehouse: tuple, area: str, start: int, end: int, price_base_year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every municipality's and region's key figures of an area, start..end, small user counts protected: the same for
    every region's report, so read once per warehouse file (`warehouse`: its identity, the key) in a kernel that renders
    one report after another. Read unprotected and protected here, municipalities and regions together (as
    marts.protect_frames does)."""
    regions = marts.benchmark_series(area, start, end, price_base_year, level="region", protect=False)
    return benchmark.protect_users(
        marts.benchmark_series(area, start, end, price_base_year, protect=False), regions, marts.measure_groups(area)
    )


def read(
    area: str,
    region: str = COUNTRY,
    year: int = 2017,
    period_start: int = 2014,
    long_series_start: int = 2010,
    price_base_year: int | None = None,
    exclude: dict[str, str] | None = None,
    peers: int = 5,
    highlight: str = "",
) -> BenchmarkData:
    """Read the marts for one report: regions and municipalities over the long series, peers and findings;
    `highlight` a municipality of the region to mark in the charts and tables."""
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
    municipal, regions = (
        frame.copy() for frame in _protected(query.identity(), area, long_series_start, year, price_base_year)
    )
    if region not in set(regions["code"]):
        raise ValueError(
            f"unknown region {region!r}; use {COUNTRY} (whole country) or one of {', '.join(sorted(set(regions['code']) - {COUNTRY}))}"
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
        str(highlight).zfill(3) if highlight else "",
    )
