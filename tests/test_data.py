"""helpers.data, the analyst's pandas interface: the columns its contracts promise, one naming, protection by default
(the benchmark pages' mask), hand-worked figures, and docs/marts.md generated from the contracts."""

from __future__ import annotations

import inspect
import json
import subprocess

import pandas as pd
import pytest

from conftest import helpers_cli
from helpers import data, labels
from helpers.warehouse import contracts, marts

FUNCTIONS = contracts.functions()


def test_every_public_function_has_a_contract_and_every_contract_a_function():
    public = {
        n
        for n, f in inspect.getmembers(data, inspect.isfunction)
        if not n.startswith("_") and f.__module__ == data.__name__
    }
    assert public == set(FUNCTIONS)
    for name in public:
        doc = inspect.getdoc(getattr(data, name))
        assert doc and doc.splitlines()[0].strip(), f"{name}: a docstring saying what it returns"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_returns_the_columns_of_its_contract(warehouse_path, name):
    contract = FUNCTIONS[name]
    frame = getattr(data, name)(**contract["example"])
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0, name
    assert list(frame.columns) == [c["name"] for c in contract["columns"]], name
    assert all(c["description"] for c in contract["columns"]), name


def test_one_naming_of_columns_across_the_functions():
    """The same thing has one name everywhere: no `code`/`name`/`label_da`/Danish headers, and a municipality is always
    municipality_code and municipality_name."""
    names = {c["name"] for f in FUNCTIONS.values() for c in f["columns"]}
    assert not names & {"code", "name", "label_da", "Kommune", "kommune", "municipality", "region"}
    assert {"municipality_code", "municipality_name", "region_code", "measure_group_label", "protection"} <= names


def test_docs_marts_md_is_generated_from_the_contracts():
    assert contracts.DOC.read_text(encoding="utf-8") == contracts.markdown(), "run: python -m helpers docs"
    text = contracts.markdown()
    assert (
        "### `key_figures(area, years=None, region=None, prices='current', price_base_year=None, protect=True)`" in text
    )
    assert "| `protection` | why users, users per 10,000 and unit cost are hidden" in text
    assert (
        "### `mart_benchmark_municipality`" in text
        and "| `area` | children (børn og unge) or adults (voksne) | not null; one of `adults`, `children` |" in text
    )


def test_protection_is_the_benchmark_pages_mask(warehouse_path):
    """The analyst's figures agree with the pages: the same cells hidden, for the same reasons, as the benchmark report
    computes for its own long series (reports.benchmark.prepare)."""
    from helpers.reports.benchmark import prepare

    report = prepare("adults", "085", 2024, 2021, 2010, 2024)
    pages = report.data.municipal[report.data.municipal["year"].isin([2017, 2024])].set_index(
        ["code", "year", "measure_group"]
    )
    mine = data.key_figures("adults", [2017, 2024], prices="fixed").set_index(
        ["municipality_code", "year", "measure_group"]
    )
    pages = pages.loc[mine.index]
    assert (mine["protection"] == pages["protection"]).all()
    assert set(mine["protection"]) == {"", "small", "complement"}
    for figure in ("users_per_10000", "unit_cost"):
        both = mine[figure].isna() & pages[figure].isna()
        assert (both | ((mine[figure] - pages[figure]).abs() < 1e-6)).all(), figure
    assert (pages["users"].isna() | (pages["users"] == mine["users"])).all()


def test_protected_by_default_and_the_opt_out_shows_the_counts(warehouse_path):
    protected = data.key_figures("children", 2017)
    raw = data.key_figures("children", 2017, protect=False)
    small = raw["users"].between(1, labels.SMALL - 1)
    assert small.sum() > 0 and (raw["protection"] == "").all()
    assert protected.loc[small, ["users", "users_per_10000", "unit_cost"]].isna().all().all()
    assert (protected.loc[small, "protection"] == "small").all()
    assert not protected["users"].between(1, labels.SMALL - 1).any()
    complement = protected["protection"] == "complement"
    assert complement.sum() > 0 and (raw.loc[complement, "users"] >= labels.SMALL).all()
    assert protected["expenditure_per_inhabitant"].equals(raw["expenditure_per_inhabitant"])  # money is not a count
    regions = data.region_key_figures("children", 2017)
    assert not regions["users"].between(1, labels.SMALL - 1).any()


def test_marts_key_figures_and_series_protect_by_default(warehouse_path):
    frame = marts.key_figures("adults", 2017, by="municipality")
    raw = marts.key_figures("adults", 2017, by="municipality", protect=False)
    assert raw["users_per_10000"].notna().sum() > frame["users_per_10000"].notna().sum()
    assert set(frame.loc[frame["users_per_10000"].isna() & raw["users_per_10000"].notna(), "protection"]) == {
        "small",
        "complement",
    }
    series = marts.benchmark_series("adults", 2016, 2017, 2017)
    assert not series["users"].between(1, labels.SMALL - 1).any() and "protection" in series
    assert marts.benchmark_series("adults", 2016, 2017, 2017, protect=False)["users"].between(1, 4).any()
    municipal, regions = marts.key_figures_all()
    assert not municipal["users"].between(1, 4).any() and not regions["users"].between(1, 4).any()
    assert municipal["unit_cost_fixed"].isna().sum() == municipal["unit_cost"].isna().sum()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return helpers_cli("benchmark", *args)


def test_benchmark_command_protects_by_default_with_an_explicit_opt_out(warehouse_path):
    args = ("--area", "children", "--year", "2017", "--by", "municipality", "--json")
    shown, unprotected = json.loads(_cli(*args).stdout), _cli(*args, "--unprotected")
    assert shown["protected"] is True and unprotected.returncode == 0
    assert "for your own analysis only" in unprotected.stderr
    raw = json.loads(unprotected.stdout)
    assert raw["protected"] is False
    hidden = [r for r in shown["rows"] if r["protection"]]
    assert hidden and all(r["users_per_10000"] is None and r["unit_cost"] is None for r in hidden)
    raw_rows = {(r["code"], r["measure_group"]): r for r in raw["rows"]}
    assert all(
        raw_rows[r["code"], r["measure_group"]]["users_per_10000"] is not None
        for r in hidden
        if r["protection"] == "small"
    )
    table = _cli("--area", "children", "--year", "2017", "--by", "municipality").stdout
    assert f" {labels.SMALL_TEXT} " in table or f" {labels.SMALL_TEXT}\n" in table
    assert "--unprotected" in table  # the footnote says how markers came and what the opt-out is


def test_key_figures_by_hand_fixed_prices_and_change(con, warehouse_path):
    """Køge, children, i alt: fixed 2024 prices = current x index 2024 / index of the year; the change in percent is
    end / start - 1, as worked from the mart's current figures and the price index."""
    index = dict(con.execute("select year, price_index from mart_price_index").fetchall())
    current = con.execute("""select year, expenditure_per_inhabitant, unit_cost from mart_benchmark_municipality
                             where municipality_code = '259' and area = 'children' and measure_group = 'i_alt'
                             and year in (2018, 2024) order by year""").fetchall()
    fixed = data.key_figures("children", (2018, 2024), region="085", prices="fixed", price_base_year=2024)
    koege = fixed[(fixed["municipality_code"] == "259") & (fixed["measure_group"] == "i_alt")].set_index("year")
    assert koege.loc[2018, "expenditure_per_inhabitant"] == pytest.approx(current[0][1] * index[2024] / index[2018])
    assert (koege["price_base_year"] == 2024).all()
    change = data.key_figure_change("children", 2018, 2024, region="085")
    row = change[(change["municipality_code"] == "259") & (change["measure_group"] == "i_alt")].iloc[0]
    start, end = current[0][1] * index[2024] / index[2018], current[1][1]
    assert row["expenditure_per_inhabitant_change_pct"] == pytest.approx(100 * (end / start - 1))
    assert (row["start_year"], row["end_year"], row["municipality_name"]) == (2018, 2024, "Køge")
    in_current = data.key_figures("children", 2018, prices="current")
    assert (in_current["price_base_year"] == 2018).all()


def test_transition_cost_by_hand(warehouse_path):
    """Svendborg's list: a young person moving on 20.02.2025 to a længerevarende botilbud at 902.000 kr. a year, with
    probability 1, costs 902.000 / 12 x (10 months March-December + 9 of February's 28 days) = 775.827,38 kr. in 2025;
    one who moved in 2024 costs the whole year."""
    t = data.transitions("479", 2025)
    row = t[t["expected_transition_date"] == pd.Timestamp("2025-02-20")].iloc[0]
    assert (row["measure"], row["annual_cost_kr"], row["probability"]) == ("sel_108", 902000.0, 1.0)
    assert row["expected_cost_kr"] == pytest.approx(902000 / 12 * (10 + 9 / 28), abs=0.01)
    assert row["age_at_transition"] == 18 and row["moves_in_year"]
    earlier = t[t["expected_transition_date"].dt.year == 2024]
    assert not earlier["moves_in_year"].any()
    assert earlier["expected_cost_kr"].to_numpy() == pytest.approx(
        (earlier["annual_cost_kr"] * earlier["probability"]).to_numpy()
    )


def test_transition_costs_protect_small_counts_and_add_up(warehouse_path):
    t = data.transitions("479", 2025)
    moving = t[t["moves_in_year"]]
    raw = data.transition_costs("479", 2025, protect=False)
    total = raw[raw["measure"] == labels.TOTAL_GROUP].iloc[0]
    assert total["young_people"] == len(moving) == raw["young_people"].iloc[:-1].sum()
    assert total["expected_cost_kr"] == pytest.approx(moving["expected_cost_kr"].sum())
    protected = data.transition_costs("479", 2025)
    parts = protected.iloc[:-1]
    assert not parts["young_people"].between(1, labels.SMALL - 1).any()
    assert (parts.loc[parts["young_people"].isna(), "protection"] != "").all()
    assert parts.loc[parts["young_people"].isna(), "expected_cost_kr"].isna().all()
    assert protected.iloc[-1]["young_people"] == total["young_people"]  # 7: the total is shown


def _run_example(name: str, **parameters) -> str:
    """Execute an example notebook with papermill's parameters, as the analyst's batch would, and return what it
    printed; in the test process's report kernel (reset before each notebook, as for the reports), where nbval runs
    each example in a fresh kernel of its own with the defaults."""
    from helpers import paths
    from helpers.render import kernel

    nb = kernel.execute(paths.ROOT / "notebooks" / f"{name}.ipynb", parameters)
    return "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"
    )


def test_example_unit_cost_growth_answers_as_worked_from_the_marts(con):
    """The fastest unit-cost growth in Region Sjælland, adults, 2020-2024 in 2024 prices, worked in SQL from the mart
    (expenditure / users in each year, lifted by the price index), names the same municipality and the same figures."""
    index = dict(con.execute("select year, price_index from mart_price_index").fetchall())
    rows = con.execute("""select municipality_name, year, expenditure_kr / users as unit_cost
                          from mart_benchmark_municipality where region_code = '085' and area = 'adults'
                          and measure_group = 'i_alt' and year in (2020, 2024) and users >= 5""").fetchall()
    cost = {(name, year): value * index[2024] / index[year] for name, year, value in rows}
    growth = {n: 100 * (cost[n, 2024] / cost[n, 2020] - 1) for n, y in cost if y == 2024 and (n, 2020) in cost}
    fastest = max(growth, key=growth.get)
    region = con.execute("""select year, sum(expenditure_kr) / sum(users) from mart_benchmark_municipality
                            where region_code = '085' and area = 'adults' and measure_group = 'i_alt'
                            and year in (2020, 2024) and users is not null group by year""").fetchall()
    region = {y: v * index[2024] / index[y] for y, v in region}
    printed = _run_example("example_unit_cost_growth", area="adults", region="085", start=2020, end=2024)
    from helpers.render.formats import format_number

    assert f"Størst stigning: {fastest}, {format_number(growth[fastest], 1)} pct." in printed
    assert f"regionen som helhed {format_number(100 * (region[2024] / region[2020] - 1), 1)} pct." in printed


def test_example_transitions_answers_as_worked_by_hand(con):
    """Svendborg's young people moving in 2025: each costs annual cost / 12 x the months from the transition date
    (the first month by its days) x the probability; the notebook's total is their sum, in Danish figures."""
    import calendar

    rows = con.execute("""select expected_transition_date, annual_cost_kr, probability from mart_forecast_transitions
                          where municipality_code = '479' and year(expected_transition_date) = 2025
                          and expected_measure is not null""").fetchall()
    total = 0.0
    for day, annual, probability in rows:
        days = calendar.monthrange(day.year, day.month)[1]
        months = 12 - day.month + (days - day.day + 1) / days
        total += float(annual) / 12 * months * probability
    printed = _run_example("example_transitions", municipality="479", year=2025)
    from helpers.render.formats import format_number

    assert f"De koster forventet {format_number(total)} kr. i 2025" in printed
    moving = con.execute("""select count(*) from mart_forecast_transitions where municipality_code = '479'
                            and year(expected_transition_date) = 2025""").fetchone()[0]
    assert f"I 2025 ventes {moving} unge at flytte" in printed
