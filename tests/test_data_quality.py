"""The data-quality report as a reader gets it (issue 23.11): one row per issue with its years and values, the true
denominators in the sentences, and an introduction that says what the tables below hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import labels
from helpers.render.workbook import html_tables
from helpers.reports import data_quality
from helpers.warehouse import marts


def test_years_are_written_as_runs():
    assert data_quality.year_ranges([2012, 2010, 2011, 2015, 2017, 2018, 2019]) == "2010-2012, 2015, 2017-2019"
    assert data_quality.year_ranges([2019]) == "2019"


@pytest.fixture(scope="module")
def pages(every_report) -> dict[str, Path]:
    """The batch run's data-quality reports by region code (the country's under its code)."""
    return {r.params["region"]: r.path for r in every_report[1] if r.report == "data_quality"}


def _table(page: Path, column: str) -> list[dict[str, str]]:
    head, *rows = next(t for t in html_tables(page.read_text(encoding="utf-8")) if column in t[0])
    return [dict(zip(head, row)) for row in rows]


@pytest.mark.renders
@pytest.mark.parametrize("region", ["085", labels.COUNTRY_CODE])
def test_each_issue_is_one_row_with_its_years_and_values(pages, region):
    """Region Sjælland's list had 90 rows, 60 of them one row per year for four municipalities' missing users."""
    rows = _table(pages[region], "Værdi pr. år")
    keys = [(r["Fund"], r["Kommune"], r["Beskrivelse"]) for r in rows]
    assert len(keys) == len(set(keys))  # no issue twice
    mart = marts.findings(region)
    assert len(rows) < len(mart) / 3
    listed = 0
    for row in rows:
        years = [
            y for part in filter(None, row["År"].split(", ")) for y in _expand(part)
        ]  # "2010-2024" -> 2010 ... 2024
        values = dict(v.split(": ", 1) for v in filter(None, row["Værdi pr. år"].split(" · ")))
        if values:  # a key-figure finding: each year's value is the mart's for that year
            assert sorted(int(y) for y in values) == years
            name = row["Kommune"]
            for year, value in values.items():
                found = mart[(mart["municipality_name"] == name) & (mart["year"] == int(year))]
                assert value in set(found["detail"]), (name, year, value)
        listed += max(len(years), 1)
    assert listed == len(mart)  # every finding of the mart is in the list, once
    summary = _table(pages[region], "Fund i alt")
    assert sum(int(r["Fund i alt"]) for r in summary) == len(mart)
    assert sum(int(r["Forhold"]) for r in summary) == len(rows)


def _expand(part: str) -> list[int]:
    first, _, last = part.partition("-")
    return list(range(int(first), int(last or first) + 1))


@pytest.mark.renders
@pytest.mark.parametrize("region", ["085", labels.COUNTRY_CODE])
def test_expenditure_is_said_per_its_true_denominator(pages, region):
    text = re.sub(r"<[^>]+>", " ", pages[region].read_text(encoding="utf-8"))
    assert "pr. indbygger" not in text
    assert "pr. 0-22-årig" in text and "pr. 18-64-årig" in text
    descriptions = marts.findings(region)
    extreme = descriptions[descriptions["finding"].isin(["extreme", "break"])]
    for area, per in (("children", "pr. 0-22-årig"), ("adults", "pr. 18-64-årig")):
        assert extreme.loc[extreme["area"] == area, "description"].str.contains(per, regex=False).all()


@pytest.mark.renders
@pytest.mark.parametrize("region", ["085", labels.COUNTRY_CODE])
def test_the_introduction_says_what_the_tables_hold(pages, region):
    """The intro listed extracts a region's report did not have and put rejected rows without a municipality."""
    page = pages[region].read_text(encoding="utf-8")
    said = re.search(r"Indlæst er ([^:]+): ([^;]+); i alt ([\d.]+) rækker, heraf ([\d.]+) afvist\.", page)
    assert said
    intake = _table(pages[region], "Rækker læst")
    kinds = [r["Udtræk"].lower() for r in intake]
    assert re.split(r", | og (?=[^,]*$)", said.group(2)) == kinds
    assert int(said.group(3).replace(".", "")) == sum(int(r["Rækker læst"].replace(".", "")) for r in intake)
    assert int(said.group(4).replace(".", "")) == sum(int(r["Afvist"].replace(".", "")) for r in intake)
    loose = [r for r in _table(pages[region], "Værdi pr. år") if not r["Kommune"]]
    if region == labels.COUNTRY_CODE:
        assert loose and re.search(r"(Ét fund|\d+ fund) hører ikke til en bestemt kommune", page)
    else:
        assert not loose and "står i rapporten for hele landet" in page
