"""Links between the reports: from each page to the reports it mentions (the forecast behind a pack, the data-quality
report behind a benchmark, the benchmarks a data-quality report checks), and a municipality's reports for the landing
page's finder. Works on the batch's catalogue: every report a full run writes, with its parameters and path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from helpers import labels


@dataclass(frozen=True)
class Entry:
    """A report of the catalogue: its name (benchmark, forecast, ...), parameters and path under the reports folder."""

    report: str
    params: dict
    path: str

    @property
    def municipality(self) -> str | None:
        code = self.params.get("municipality")
        return None if code is None or str(code) == labels.COUNTRY_CODE else str(code)

    @property
    def region(self) -> str | None:
        code = self.params.get("region")
        return None if code is None or str(code) == labels.COUNTRY_CODE else str(code)


def label(entry: Entry, short: bool = False) -> str:
    """A report's name as a link says it: 'Prognose, voksne', 'Datakvalitet, Region Sjælland', 'Nøgletal for økonomi'
    (`short`: without the place, for links on the place's own page)."""
    p = entry.params
    place = p.get("municipality_name") or p.get("region_name") or ""
    if entry.report == "benchmark":
        what = f"Benchmark, {labels.AREA_NAMES_LOWER[p['area']]}"
    elif entry.report == "forecast":
        what = f"Prognose, {labels.AREA_NAMES_LOWER[p['area']]}"
    elif entry.report == "indicators":
        what = f"Nøgletal for {labels.AUDIENCE_NAMES_LOWER[p['audience']]}"
    elif entry.report == "data_quality":
        what = "Datakvalitet"
    else:
        what = "Progression og målopfyldelse"
    return what if short or not place else f"{what}, {place}"


def related(entry: Entry, catalogue: list[Entry], region_of: dict[str, str]) -> list[Entry]:
    """The reports a page mentions or builds on, in the order a reader wants them:

    - a benchmark: the data-quality report of its region (its findings) and the other area's benchmark;
    - a data-quality report: the benchmarks of its region (the figures it checks);
    - a forecast: the other area's forecast, the municipality's key-figure packs and its region's data-quality report;
    - a key-figure pack: the municipality's forecasts (the expected result comes from them), its other packs, its
      progression report (the follow-ups) and its region's data-quality report;
    - a progression report: the municipality's packs, and the report for all municipalities (or, from that one, none).
    `region_of` maps municipality codes to region codes."""
    p = entry.params
    own = entry.municipality
    region = entry.region or (region_of.get(own) if own else None) or labels.COUNTRY_CODE

    def pick(report: str, **match: object) -> list[Entry]:
        return [
            e
            for e in catalogue
            if e.report == report and e != entry and all(str(e.params.get(k)) == str(v) for k, v in match.items())
        ]

    if entry.report == "benchmark":
        found = pick("data_quality", region=region) + pick("benchmark", region=region)
    elif entry.report == "data_quality":
        found = pick("benchmark", region=region)
    elif entry.report == "forecast":
        found = pick("forecast", municipality=own) + pick("indicators", municipality=own)
        found += pick("data_quality", region=region)
    elif entry.report == "indicators":
        found = pick("forecast", municipality=own) + pick("indicators", municipality=own)
        found += pick("progression", municipality=own) + pick("data_quality", region=region)
    elif entry.report == "progression" and own:
        found = pick("indicators", municipality=own) + pick("progression", municipality=labels.COUNTRY_CODE)
    else:
        found = []
    return [e for e in found if not (e.report == entry.report and e.params == p)]


def municipality_reports(code: str, catalogue: list[Entry], region_of: dict[str, str]) -> tuple[list, list]:
    """A municipality's reports for the landing page: its region's (benchmarks, data quality) and its own (progression,
    forecasts, key-figure packs)."""
    region = region_of.get(code)
    regional = [e for e in catalogue if e.region == region and e.report in ("benchmark", "data_quality")]
    own = [e for e in catalogue if e.municipality == code]
    return sorted(regional, key=reading_order), sorted(own, key=reading_order)


REPORT_ORDER = ("benchmark", "data_quality", "progression", "forecast", "indicators")


def reading_order(entry: Entry) -> tuple:
    """Reports in the order a reader looks for them: benchmarks (children first), data quality, progression, forecasts
    (children first), the packs (politicians, finance, department)."""
    area = list(labels.AREAS).index(entry.params["area"]) if entry.params.get("area") in labels.AREAS else 0
    audiences = list(labels.AUDIENCE_LABELS)
    audience = audiences.index(entry.params["audience"]) if entry.params.get("audience") in audiences else 0
    report = REPORT_ORDER.index(entry.report) if entry.report in REPORT_ORDER else len(REPORT_ORDER)
    return report, area, audience, entry.path


def relative(target: str, page: str) -> str:
    """The link from a page to another file of the reports folder (both paths relative to that folder)."""
    return os.path.relpath(PurePosixPath(target), PurePosixPath(page).parent).replace(os.sep, "/")
