"""The sample population reproduces the real files where they give figures, and is consistent elsewhere."""

import numpy as np
import pandas as pd
import pytest

from helpers import paths
from helpers.intake.ingest import ingest
from helpers.sample.population import generate_population, read_folk1a


@pytest.fixture(scope="module")
def pop() -> pd.DataFrame:
    return generate_population()


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return ingest("population", paths.REAL_DATA / "dst_FOLK1A_codes_koen_alder_2008-2020K1.csv").accepted


def test_regions_country_and_six_municipalities_equal_the_real_extract_2010_2020(pop, real):
    real = real[real["year"].between(2010, 2020)]
    merged = real.merge(
        pop, left_on=["area_code", "sex", "age", "year"], right_on=["area", "sex", "age", "year"], how="left"
    )
    assert len(merged) == len(real) and (merged["count_x"] == merged["count_y"]).all()


def test_municipalities_and_christiansoe_add_up_to_their_region(pop):
    from helpers.intake import reference

    region_of = reference.municipalities().set_index("municipality_code")["region_code"].to_dict() | {"411": "084"}
    parts = pop[pop["area"].isin(region_of)].assign(region=lambda d: d["area"].map(region_of))
    summed = parts.groupby(["region", "sex", "age", "year"])["count"].sum()
    regions = pop[pop["area"].isin(["081", "082", "083", "084", "085"])].set_index(["area", "sex", "age", "year"])[
        "count"
    ]
    regions.index.names = summed.index.names
    assert (summed.sort_index() == regions.sort_index()).all()
    assert (pop["count"] >= 0).all()


def test_age_38_is_the_cohort_mean(real):
    arrays = read_folk1a(paths.REAL_DATA / "dst_FOLK1A_codes_koen_alder_2008-2020K1.csv")
    first = int(arrays["_first_year"][0])
    r = real.set_index(["area_code", "sex", "age", "year"])["count"]
    expected = np.floor((r[("085", "2", 37, 2016)] + r[("085", "2", 39, 2018)]) / 2 + 0.5)
    assert arrays["085"][2017 - first, 1, 38] == expected
    edge = np.floor((r[("085", "1", 37, 2020)] + r[("085", "1", 39, 2020)]) / 2 + 0.5)
    assert arrays["085"][2020 - first, 0, 38] == edge


def test_real_january_totals_2022_2024(pop):
    real = ingest("population", paths.REAL_DATA / "dst_FOLK1AM_omraade_2021M10-2024M04.csv").accepted
    jan = real[real["period"].str.endswith("M01")].set_index(["area_code", "year"])["count"]
    totals = pop.groupby(["area", "year"])["count"].sum()
    for (area, year), value in jan.items():
        assert totals[(area, year)] == value, (area, year)


def test_study_municipalities_18_64_in_2017(pop, published):
    facts = pd.read_csv(published / "published_adult_municipal_facts_2015_2017.csv", dtype={"municipality_code": str})
    adults = pop[(pop["year"] == 2017) & pop["age"].between(18, 64)].groupby("area")["count"].sum()
    for row in facts.itertuples():
        assert adults[row.municipality_code] == row.inhabitants_18_64_2017


def test_generated_years_are_smooth(pop):
    """Up to 2022 (where real totals take over) no area jumps 4 % in a year (Christiansø, ~95 people, aside)."""
    totals = pop[(pop["area"] != "411") & (pop["year"] <= 2022)].groupby(["area", "year"])["count"].sum().unstack()
    change = (totals.diff(axis=1).iloc[:, 1:] / totals.iloc[:, :-1].to_numpy()).abs()
    assert change.max().max() < 0.04
