"""Reference data: 98 municipalities in 5 regions from the real DAWA files; mappings as in domain.md."""

import pandas as pd

from helpers import paths
from helpers.intake import reference


def test_committed_municipalities_match_a_rebuild_from_the_real_files(tmp_path):
    reference.build_reference(out_dir=tmp_path)
    for name in ("municipalities.csv", "regions.csv"):
        assert (tmp_path / name).read_bytes() == (paths.REFERENCE / name).read_bytes()


def test_98_municipalities_with_3_digit_codes_in_5_regions():
    m = reference.municipalities()
    assert len(m) == 98 and m["municipality_code"].is_unique
    assert m["municipality_code"].str.fullmatch(r"\d{3}").all()
    assert "Christiansø" not in set(m["municipality_name"])
    assert m.groupby("region_code").size().to_dict() == {"081": 11, "082": 19, "083": 22, "084": 29, "085": 17}
    assert m.set_index("municipality_code").loc["101", "municipality_name"] == "København"
    assert m.set_index("municipality_code").loc["259", "region_name"] == "Region Sjælland"
    assert list(reference.regions()["region_code"]) == ["081", "082", "083", "084", "085"]


def test_dst_code_drops_the_leading_zero():
    assert reference.dst_code("0101") == "101"
    assert reference.dst_code("1085") == "085"


def test_account_mapping_is_the_domain_brief():
    acc = reference.account_functions()
    mapping = {(r.function, r.account_group): r.measure_group for r in acc.itertuples()}
    assert mapping[("5.28.23", "")] == mapping[("5.28.24", "")] == "doegninstitutioner"
    assert mapping[("5.28.22", "")] == "familiepleje"
    assert mapping[("5.28.20", "")] == "opholdssteder_mv"
    assert mapping[("5.28.21", "")] == "forebyggende_foranstaltninger"
    assert mapping[("5.38.52", "")] == "sel_107_midlertidige_botilbud"
    assert mapping[("5.38.50", "")] == "sel_108_laengerevarende_botilbud"
    assert mapping[("5.32.33", "001")] == mapping[("5.32.33", "002")] == "sel_85_socialpaedagogisk_stoette"
    assert mapping[("5.32.32", "002")] == mapping[("5.32.32", "003")] == "sel_95_96_personlige_hjaelpere"
    assert mapping[("5.32.32", "001")] == ""  # home help for the elderly: not the specialised area
    assert mapping[("5.38.58", "")] == mapping[("5.38.59", "")] == "sel_103_104_dagtilbud"
    assert mapping[("5.38.42", "")] == "sel_110_forsorgshjem"


def test_aggregates_are_the_published_sums():
    groups = reference.measure_groups().set_index(["area", "measure_group"])
    comp = lambda area, g: set(groups.loc[(area, g), "components"].split("|"))  # noqa: E731
    assert comp("children", "anbragte_i_alt") == {"doegninstitutioner", "familiepleje", "opholdssteder_mv"}
    assert comp("children", "i_alt") == comp("children", "anbragte_i_alt") | {"forebyggende_foranstaltninger"}
    assert comp("adults", "botilbud_i_alt") == {
        "sel_107_midlertidige_botilbud",
        "sel_108_laengerevarende_botilbud",
        "sel_85_botilbudslignende",
    }
    published = pd.read_csv(paths.PUBLISHED / "published_regional_2017_adults.csv")
    assert comp("adults", "i_alt") == set(published["measure_group"]) - {"i_alt"}


def test_age_groups():
    ages = reference.age_groups().set_index("age_group")
    assert ages.loc["0_17", ["min_age", "max_age"]].tolist() == [0, 17]
    assert ages.loc["0_22", ["min_age", "max_age"]].tolist() == [0, 22]
    assert ages.loc["18_64", ["min_age", "max_age"]].tolist() == [18, 64]


def test_case_measures_map_to_known_groups():
    groups = reference.measure_groups()
    known = set(zip(groups["area"], groups["measure_group"]))
    measures = reference.measures()
    assert 15 <= len(measures) <= 25 and measures["measure"].is_unique
    assert all((r.area, r.measure_group) in known for r in measures.itertuples())
