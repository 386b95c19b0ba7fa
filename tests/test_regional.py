"""The regional benchmark report's building blocks: hand-worked sums over sums, peers, changes, exclusions,
conclusions, and the published Region Sjælland 2017 figures through the functions the notebooks call."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import benchmark
from helpers.analysis.funnel import dispersion, outside_limits
from helpers.reports import benchmark as regional
from helpers.reports.benchmark import conclusions, exclusions
from helpers.reports.benchmark.check import check
from helpers.reports.benchmark.exclusions import Note
from helpers.reports.benchmark.quality import describe_peer_extremes


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """code, measure_group, expenditure, potential users, users, user population (unit cost where users > 0)."""
    f = pd.DataFrame(
        rows, columns=["code", "measure_group", "expenditure_kr_fixed", "potential_users", "users", "user_population"]
    )
    f["users"] = f["users"].astype(float)
    f["unit_cost"] = f["expenditure_kr_fixed"] / f["users"].where(f["users"] > 0)
    return f


def test_pooled_is_sums_over_sums_with_matching_coverage():
    # A: 1,000,000 kr., 1,000 inhabitants, 10 users of 800; B: 3,000,000 kr., 2,000 inhabitants, users not reported.
    f = _frame([("A", "g", 1_000_000, 1_000, 10, 800), ("B", "g", 3_000_000, 2_000, None, 1_600)])
    got = benchmark.pooled(f, ["measure_group"]).iloc[0]
    assert got["expenditure_per_inhabitant"] == pytest.approx(4_000_000 / 3_000)  # not the mean of 1000 and 1500
    assert got["users_per_10000"] == pytest.approx(10 * 10_000 / 800)  # B has no users: its population is left out too
    assert got["unit_cost"] == pytest.approx(1_000_000 / 10)  # and its expenditure


def test_peer_average_is_pooled_over_the_peers_only():
    f = _frame([("A", "g", 100, 10, 1, 5), ("B", "g", 300, 10, 2, 5), ("C", "g", 900, 20, 3, 10)])
    peers = pd.DataFrame({"municipality_code": ["A", "A", "B", "B"], "peer_code": ["B", "C", "A", "C"]})
    got = benchmark.peer_averages(f, peers).set_index("code")
    assert got.loc["A", "peer_expenditure_per_inhabitant"] == pytest.approx(1200 / 30)
    assert got.loc["B", "peer_unit_cost"] == pytest.approx(1000 / 4)
    assert "C" not in got.index


def test_change_and_decomposition_hand_worked():
    f = pd.DataFrame(
        {
            "code": ["A", "A"],
            "measure_group": ["g", "g"],
            "year": [2014, 2017],
            "expenditure_per_inhabitant": [1000.0, 1092.0],
            "users_per_10000": [100.0, 104.0],
            "unit_cost": [10.0, 10.5],
        }
    )
    ch = benchmark.change(f, 2014, 2017).iloc[0]
    assert ch["expenditure_per_inhabitant_change_pct"] == pytest.approx(9.2)
    assert ch["users_per_10000_change_pct"] == pytest.approx(4.0) and ch["unit_cost_change_pct"] == pytest.approx(5.0)
    parts = benchmark.decompose_changes(f, 2014, 2017).iloc[0]
    scale = 9.2 / math.log(1.092)
    assert parts["user_share_pct"] == pytest.approx(math.log(1.04) * scale)
    assert parts["user_share_pct"] + parts["unit_cost_pct"] + parts["population_mix_pct"] == pytest.approx(
        9.2, abs=1e-12
    )


def test_change_is_empty_where_a_year_is_missing_or_zero():
    f = pd.DataFrame(
        {
            "code": ["A", "A", "B"],
            "measure_group": ["g"] * 3,
            "year": [2014, 2017, 2017],
            "expenditure_per_inhabitant": [0.0, 50.0, 70.0],
            "users_per_10000": [1.0, 2.0, 3.0],
            "unit_cost": [1.0, 1.0, 1.0],
        }
    )
    ch = benchmark.change(f, 2014, 2017).set_index("code")
    assert np.isnan(ch.loc["A", "expenditure_per_inhabitant_change_pct"]) and np.isnan(
        ch.loc["B", "expenditure_per_inhabitant_change_pct"]
    )
    assert ch.loc["A", "users_per_10000_change_pct"] == pytest.approx(100.0)
    assert benchmark.decompose_changes(f, 2014, 2017).empty  # no row has all figures positive at both ends


def test_peer_extremes_flag_over_twice_or_under_half():
    year = pd.DataFrame(
        {
            "code": ["A", "B", "C"],
            "name": ["Aby", "Bby", "Cby"],
            "year": 2017,
            "measure_group": "g",
            "label_da": "Gruppe",
            "kind": "base",
            "expenditure_per_inhabitant": [2100.0, 1900.0, 400.0],
        }
    )
    averages = pd.DataFrame(
        {"code": ["A", "B", "C"], "measure_group": "g", "peer_expenditure_per_inhabitant": [1000.0, 1000.0, 1000.0]}
    )
    got = describe_peer_extremes(benchmark.peer_extremes(year, averages), "pr. 0-22-årig")
    assert got["code"].tolist() == ["A", "C"]
    assert got["issue"].tolist() == [
        "Gruppe: udgift pr. 0-22-årig over det dobbelte af gennemsnittet for de sammenlignelige kommuner",
        "Gruppe: udgift pr. 0-22-årig under halvdelen af gennemsnittet for de sammenlignelige kommuner",
    ]
    assert got["values"].iloc[0] == "2017: 2.100 kr., 2,1 gange gennemsnittet (1.000 kr.)"


def test_exclusions_apply_by_kind_group_and_years():
    brk = exclusions.Exclusion("259", "Køge", "2019, Familiepleje: brud i serien", "break", "familiepleje", 2019)
    bad = exclusions.Exclusion(
        "187", "Vallensbæk", "2018, § 108: negative nettoudgifter", "impossible", "sel_108", 2018
    )
    man = exclusions.Exclusion("101", "København", "ny kontering")
    assert brk.applies("familiepleje", (2017, 2020)) and not brk.applies("familiepleje", (2019, 2020))
    assert not brk.applies("familiepleje", (2019,)) and not brk.applies("doegninstitutioner", (2017, 2020))
    assert (
        bad.applies("sel_108", (2018,)) and bad.applies("sel_108", (2014, 2018)) and not bad.applies("sel_108", (2017,))
    )
    assert man.applies("anything", (2017,))
    frame = pd.DataFrame(
        {
            "code": ["259", "259", "187", "101", "147"],
            "name": ["Køge", "Køge", "Vallensbæk", "København", "Frederiksberg"],
            "measure_group": ["familiepleje", "doegninstitutioner", "sel_108", "sel_108", "sel_108"],
            "value": [1.0, 2.0, -3.0, 4.0, None],
        }
    )
    kept, notes = exclusions.apply(frame, [brk, bad, man], (2018, 2020), value="value", labels={"sel_108": "§ 108"})
    assert kept["code"].tolist() == ["259"] and kept["measure_group"].tolist() == ["doegninstitutioner"]
    assert [
        (n.group, n.text) for n in notes
    ] == [  # a note belongs to the measure group its municipality is left out of
        ("§ 108", "Frederiksberg indgår ikke i figuren (§ 108): tallet mangler."),
        (None, "København indgår ikke i figuren: ny kontering."),  # manual: every group
        (
            "familiepleje",
            "Køge indgår ikke i figuren (familiepleje): 2019, Familiepleje: brud i serien.",
        ),  # no label given
        ("§ 108", "Vallensbæk indgår ikke i figuren (§ 108): 2018, § 108: negative nettoudgifter."),
    ]


def test_manual_exclusions_need_a_known_code_and_a_reason():
    names = {"259": "Køge"}
    assert exclusions.manual({"259": "brud"}, names)[0].name == "Køge"
    with pytest.raises(ValueError, match="unknown municipality code '999'"):
        exclusions.manual({"999": "x"}, names)
    with pytest.raises(ValueError, match="give a reason"):
        exclusions.manual({"259": " "}, names)


def test_conclusion_sentences_hand_worked():
    # 4,6 % = 2,4 (user share) + 1,4 (unit cost) + 0,8 (population mix): shown 5 = 3 + 1 + 1 (floors 2, 1, 0; the two
    # points left go to the largest remainders, 0,8 and then the first of the tied 0,4s)
    parts = {"user_share_pct": 2.4, "unit_cost_pct": 1.4, "population_mix_pct": 0.8}
    assert conclusions.change_sentence("pr. 0-22-årig", 2014, 2017, 2017, 4.6, parts) == (
        "Udgifterne pr. 0-22-årig er steget 5 % fra 2014 til 2017 (faste 2017-priser); "
        "heraf +3 procentpoint fra brugerandelen, +1 fra enhedsudgiften og +1 fra befolkningssammensætningen."
    )
    assert conclusions.rounded_parts(-4.6, [-2.4, -1.4, -0.8]) == [-2, -2, -1]
    assert conclusions.rounded_parts(0.2, [2.1, -1.9, 0.0]) == [2, -2, 0]  # "uændret", and the parts say why
    assert conclusions.change_sentence("pr. 18-64-årig", 2014, 2017, 2017, 4.6) == (
        "Udgifterne pr. 18-64-årig er steget 5 % fra 2014 til 2017 (faste 2017-priser)."
    )
    assert conclusions.moved(-0.4) == "uændret" and conclusions.moved(-2.6) == "faldet 3 %"
    assert conclusions.level_sentence("Region X", "pr. 18-64-årig", 2017, 8012.4, 7444.0) == (
        "Region X brugte 8.012 kr. pr. 18-64-årig i 2017, 8 % over hele landet (7.444 kr.)."
    )
    assert conclusions.funnel_sentence("i alt", [], []).startswith("Ingen kommuner")
    assert conclusions.funnel_sentence("i alt", ["Holbæk"], ["Sorø"]).startswith("To kommuner ligger uden for")


def test_overdispersion_widens_limits_only_when_municipalities_differ_beyond_chance():
    pop = pd.Series([10_000.0] * 10)
    same = pd.Series([100.0] * 10)
    assert dispersion(same, pop) == 1.0
    spread = pd.Series([60.0, 70, 80, 90, 100, 100, 110, 120, 130, 140])
    z = (spread / pop - 0.01) / np.sqrt(0.01 * 0.99 / pop)
    low, high = np.quantile(z, [0.1, 0.9])
    assert dispersion(spread, pop) == pytest.approx(np.mean(np.clip(z, low, high) ** 2))
    assert outside_limits(spread, pop, overdispersion=False).abs().sum() > outside_limits(spread, pop).abs().sum()


# -- the published Region Sjælland 2017 figures, through the report's own functions ----------------------------------------


@pytest.fixture(scope="module")
def children(warehouse_path) -> regional.RegionalBenchmark:
    return regional.prepare("children", "085", 2017, 2014, 2010, 2017)


@pytest.fixture(scope="module")
def adults(warehouse_path) -> regional.RegionalBenchmark:
    return regional.prepare("adults", "085", 2017, 2014, 2010, 2017)


def _lines(figure, label: str) -> pd.Series:
    row = figure.data[figure.data["label_da"] == label].iloc[0]
    return row[["Laveste", "Højeste", "Gennemsnit i regionen"]]


def test_children_report_reproduces_published_spread_and_development(children, published):
    pub = pd.read_csv(published / "published_rs17_municipal_2017.csv")
    users = pub[pub["key_figure"] == "users_per_10000_0_17"].set_index("statistic")["value"]
    lines = _lines(children.figures.municipal("users_per_10000"), "I alt")
    assert [round(v) for v in lines] == [users["min"], users["max"], users["region_average"]]
    change = (
        benchmark.change(children.data.regions[children.data.regions["code"] == "085"], 2014, 2017)
        .set_index("measure_group")
        .loc["i_alt"]
    )
    assert [
        round(change[f"{f}_change_pct"]) for f in ("expenditure_per_inhabitant", "users_per_10000", "unit_cost")
    ] == [5, 3, 2]
    sentence = children.conclusions()[1]
    assert sentence.startswith("Udgifterne pr. 0-22-årig er steget 5 % fra 2014 til 2017 (faste 2017-priser); heraf ")
    assert (
        sum(int(v) for v in re.findall(r"([+-]?\d+) (?:procentpoint )?fra", sentence)) == 5
    )  # the parts add up to the whole
    children.check()


def test_adults_report_reproduces_published_unit_costs_and_notes_the_missing(adults, published):
    pub = pd.read_csv(published / "published_rs17_municipal_2017.csv").set_index(["key_figure", "statistic"])["value"]
    figure = adults.figures.municipal("unit_cost")
    residential = _lines(figure, "Botilbud i alt (§§ 107-108 og § 85 i botilbudslignende tilbud)")
    key = "unit_cost_residential_care_total_kr_per_user"
    assert round(residential["Laveste"]) == pub[(key, "min")] and round(residential["Højeste"]) == pub[(key, "max")]
    assert residential["Gennemsnit i regionen"] == pytest.approx(
        pub[(key, "region_average")], rel=0.005
    )  # as test_published
    own_home = figure.data[figure.data["label_da"] == "§ 85 i eget hjem"]
    assert (
        len(own_home) == 13
        and round(own_home["unit_cost"].min()) == pub[("unit_cost_sel85_own_home_kr_per_user", "min")]
    )
    for name in (
        "Greve",
        "Lolland",
        "Ringsted",
        "Solrød",
    ):  # the 4 without § 85 own-home users are named under the figure
        assert Note(f"{name} indgår ikke i figuren (§ 85 i eget hjem): intet brugertal.", "§ 85 i eget hjem") in (
            figure.notes
        ), name
        assert (  # the other half has users, but no unit cost of its own: the note says why, not "brugertal mangler"
            Note(
                f"{name} indgår ikke i figuren (§ 85 i botilbudslignende tilbud): ingen enhedsudgift: § 85 deles kun i "
                "botilbudslignende tilbud og eget hjem, hvor begge dele har brugertal.",
                "§ 85 i botilbudslignende tilbud",
            )
            in figure.notes
        ), name
        assert name in set(
            figure.data.loc[figure.data["label_da"] == "I alt", "name"]
        )  # drawn in the default group, no note there
    adults.check()


def test_check_catches_a_region_figure_that_is_not_a_sum_over_its_municipalities(children):
    broken = dataclasses.replace(children.data, regions=children.data.regions.copy(), _years={})
    row = (
        (broken.regions["code"] == "085")
        & (broken.regions["measure_group"] == "familiepleje")
        & (broken.regions["year"] == 2016)
    )
    broken.regions.loc[row, "expenditure_per_inhabitant"] *= 1.001
    with pytest.raises(AssertionError, match="expenditure_per_inhabitant"):
        check(broken)


def test_findings_leave_municipalities_out_of_the_affected_figures_only(warehouse_path):
    report = regional.prepare("children", "085", 2020, 2017, 2010, 2020)
    change = report.figures.municipal_change("expenditure_per_inhabitant")
    koege = change.data[change.data["name"] == "Køge"]
    assert set(koege["label_da"]) >= {
        "Døgninstitutioner",
        "I alt",
    }  # the 2019 break moved money between two groups only
    assert not set(koege["label_da"]) & {"Familiepleje", "Opholdssteder mv."}
    koege_notes = {n.group for n in change.notes if n.text.startswith("Køge indgår ikke i figuren")}
    assert koege_notes == {"Familiepleje", "Opholdssteder mv."}  # the groups Køge is left out of, and only those
    level = report.figures.municipal("expenditure_per_inhabitant")
    assert "Familiepleje" in set(
        level.data.loc[level.data["name"] == "Køge", "label_da"]
    )  # a level after a break is shown


def test_manual_exclusion_reaches_every_municipal_figure_and_the_quality_table(warehouse_path):
    report = regional.prepare(
        "children", "085", 2017, 2014, 2010, 2017, exclude={"259": "ny kontering af anbringelser"}
    )
    for figure in (
        report.figures.municipal("expenditure_per_inhabitant"),
        report.figures.municipal_change("unit_cost"),
        report.figures.decomposition(),
    ):
        assert "Køge" not in set(figure.data["name"])
        assert exclusions.Note("Køge indgår ikke i figuren: ny kontering af anbringelser.") in figure.notes
    quality = report.quality.frame()
    assert ((quality["name"] == "Køge") & (quality["finding"] == "Udeladt af analytikeren")).any()


def test_country_report_covers_every_municipality(warehouse_path):
    report = regional.prepare("adults", "000", 2017, 2014, 2010, 2017)
    assert len(report.data.members) == 98
    assert (
        report.conclusions()[0].startswith("Hele landet brugte ") and "over hele landet" not in report.conclusions()[0]
    )
    with pytest.raises(ValueError, match="unknown region '086'"):
        regional.prepare("adults", "086", 2017, 2014, 2010, 2017)
    with pytest.raises(ValueError, match="long series start <= period start < year"):
        regional.prepare("adults", "085", 2017, 2018, 2010, 2017)


@pytest.mark.parametrize(("area", "region"), [("children", "085"), ("adults", "000")])
def test_every_note_is_true_for_the_group_it_is_shown_with(warehouse_path, area, region):
    """Issue 15: "Køge indgår ikke i figuren" stood under charts that drew Køge; a note names its measure group and the
    municipality is not drawn in that group (and not drawn at all when the note has no group)."""
    report = regional.prepare(area, region, 2024, 2021, 2010, 2024)
    figures = [report.figures.municipal(f) for f in ("expenditure_per_inhabitant", "users_per_10000", "unit_cost")]
    figures += [
        report.figures.municipal_change("expenditure_per_inhabitant"),
        report.figures.decomposition(),
        report.figures.funnel(),
    ]
    checked = 0
    for figure in figures:
        for note in figure.notes:
            name = note.text.split(" indgår ikke i figuren")[0]
            drawn = figure.data if note.group is None else figure.data[figure.data["label_da"] == note.group]
            assert note.group is None or note.group in set(report.data.labels.values()), note
            assert name not in set(drawn["name"]), note
            checked += 1
    assert checked > 0


# -- issue 23.3 and 23.5: averages over what the figure shows, the country's line, notes that give the true reason ---------


def _data(excluded: list) -> regional.BenchmarkData:
    """Three municipalities of region R and one of region S, one measure group, 2021 and 2024 (hand-worked below)."""
    rows = [  # code, region, year, expenditure (kr.), inhabitants, users, user population, protection
        ("A", "R", 2021, 1_000_000.0, 1_000, 10.0, 800, ""),
        ("A", "R", 2024, 1_200_000.0, 1_000, 12.0, 800, ""),
        ("B", "R", 2021, 3_000_000.0, 2_000, 20.0, 1_600, ""),
        ("B", "R", 2024, 3_000_000.0, 2_000, 25.0, 1_600, ""),
        ("C", "R", 2021, 500_000.0, 500, None, 400, "small"),  # hidden: 3 users
        ("C", "R", 2024, 9_000_000.0, 500, 6.0, 400, ""),  # an impossible figure in 2024 (excluded below)
        ("D", "S", 2021, 2_000_000.0, 4_000, 40.0, 3_200, ""),
        ("D", "S", 2024, 2_000_000.0, 4_000, 40.0, 3_200, ""),
    ]
    f = pd.DataFrame(
        rows,
        columns=[
            "code",
            "region_code",
            "year",
            "expenditure_kr_fixed",
            "potential_users",
            "users",
            "user_population",
            "protection",
        ],
    )
    f = f.assign(
        name=f["code"] + "by",
        measure_group="g",
        label_da="Gruppe",
        kind="base",
        sort_order=1,
        expenditure_per_inhabitant=f["expenditure_kr_fixed"] / f["potential_users"],
        users_per_10000=10_000 * f["users"] / f["user_population"],
        unit_cost=f["expenditure_kr_fixed"] / f["users"],
    )
    regions = pd.DataFrame({"code": ["R", "000"], "name": ["Region R", "Hele landet"], "year": 2024}).assign(
        measure_group="g", label_da="Gruppe", sort_order=1
    )
    members = {"A": "Aby", "B": "Bby", "C": "Cby"}
    peers = pd.DataFrame(columns=["municipality_code", "peer_code", "peer_name", "rank"])
    return regional.BenchmarkData(
        "children", "R", "Region R", 2024, 2021, 2021, 2024, regions, f, members, peers, pd.DataFrame(), excluded
    )


def test_averages_are_sums_over_the_municipalities_a_figure_shows_hand_worked():
    impossible = exclusions.Exclusion("C", "Cby", "2024, Gruppe: umulig", "impossible", "g", 2024)
    d = _data([impossible])
    got = d.averages()
    region, country = got.loc[("region", "g")], got.loc[("country", "g")]
    # C is left out in 2024 (impossible): the region is A and B only, in every figure
    assert region["expenditure_per_inhabitant"] == pytest.approx(4_200_000 / 3_000)
    assert region["users_per_10000"] == pytest.approx(10_000 * 37 / 2_400)
    assert region["unit_cost"] == pytest.approx(4_200_000 / 37)
    assert country["expenditure_per_inhabitant"] == pytest.approx(6_200_000 / 7_000)  # A, B and D
    assert country["users_per_10000"] == pytest.approx(10_000 * 77 / 5_600)
    # changes 2021-2024 over the municipalities shown in the change: A and B (C is hidden in 2021 and excluded in 2024)
    assert region["expenditure_per_inhabitant_change_pct"] == pytest.approx(100 * (4_200_000 / 4_000_000 - 1))
    assert region["users_per_10000_change_pct"] == pytest.approx(100 * (37 / 30 - 1))
    assert region["unit_cost_change_pct"] == pytest.approx(100 * ((4_200_000 / 37) / (4_000_000 / 30) - 1))
    lines = d.lines(d.own(d.municipal[(d.municipal["year"] == 2024) & (d.municipal["code"] != "C")]), "unit_cost")
    assert dict(zip(lines["line"], lines["value"])) == {
        "Højeste": pytest.approx(120_000),
        "Laveste": pytest.approx(100_000),
        "Gennemsnit i regionen": pytest.approx(4_200_000 / 37),
        "Landsgennemsnit": pytest.approx(6_200_000 / 77),
    }
    # without the finding, C counts in 2024 (its users are shown that year)
    assert _data([]).averages().loc[("region", "g"), "users_per_10000"] == pytest.approx(10_000 * 43 / 2_800)


def test_a_note_gives_the_true_reason_for_each_year_hand_worked():
    d = _data([])
    reasons = d.reasons(("users_per_10000",), (2021, 2024), (True, False)).set_index("code")["reason"]
    assert reasons["C"] == "færre end 5 brugere i 2021, vises ikke af hensyn til persondata"  # not "intet brugertal"
    assert reasons["A"] == "" and "D" not in reasons  # D is region S's: the report of region R shows it nowhere
    level = d.reasons(("unit_cost",), (2024,), (False,)).set_index("code")["reason"]
    assert (level == "").all()


def test_the_country_line_of_a_region_report_is_the_country_reports_average_line(warehouse_path):
    region = regional.prepare("children", "085", 2024, 2021, 2010, 2024)
    country = regional.prepare("children", "000", 2024, 2021, 2010, 2024)
    for figure in ("expenditure_per_inhabitant", "users_per_10000", "unit_cost"):
        drawn = region.figures.municipal(figure).data.drop_duplicates("label_da").set_index("label_da")
        there = country.figures.municipal(figure).data.drop_duplicates("label_da").set_index("label_da")
        assert drawn["Landsgennemsnit"].to_dict() == pytest.approx(there["Landsgennemsnit"].to_dict()), figure
        assert drawn["Gennemsnit i regionen"].notna().all()
    # Køge's impossible 2024 unit cost (Opholdssteder mv.) leaves it out of the bars, and so of the region's average
    bars = region.figures.municipal("unit_cost").data
    homes = bars[bars["label_da"] == "Opholdssteder mv."]
    assert "Køge" not in set(homes["name"])
    assert homes["Gennemsnit i regionen"].iloc[0] == pytest.approx(
        homes["expenditure_tkr"].sum() / (homes["expenditure_tkr"] / homes["unit_cost"]).sum(), rel=1e-6
    )


@pytest.mark.parametrize("region", ["083", "084"])
def test_every_note_under_a_change_says_what_the_warehouse_holds(warehouse_path, region):
    """Issue 23.3: "intet brugertal i 2021 eller 2024" stood under Glostrup, Fanø and Dragør, whose users exist and are
    hidden. A note says "intet brugertal" only where the mart has none that year, and "skjult"/"færre end 5" only where
    the protection hid it."""
    from helpers.warehouse import marts

    report = regional.prepare("adults", region, 2024, 2021, 2010, 2024)
    truth = marts.benchmark_series("adults", 2021, 2024, 2024).set_index(["name", "year", "label_da"])
    protection = report.data.municipal.set_index(["name", "year", "label_da"])["protection"]
    checked = 0
    for figure in (report.figures.municipal_change("users_per_10000"), report.figures.decomposition()):
        for note in figure.notes:
            name, reason = note.text.split(" indgår ikke i figuren")[0], note.text.split("): ", 1)[-1]
            for year in (2021, 2024):
                key = (name, year, note.group)
                if f"intet brugertal i {year}" in reason or ("intet brugertal i" in reason and f"{year}" in reason):
                    assert pd.isna(truth.loc[key, "users"]), note
                if re.search(rf"(færre end 5 brugere|brugertallet) i [0-9 og]*{year}", reason):
                    assert protection[key] != "", note
                    checked += 1
    assert checked > 0
