"""Named readers of the marts: the only way reports, the explorer and the CLI get data from the warehouse.

Each function is one query on `mart_*` views (a test parses every query here and in reports/render/cli and
fails on any other table), so the layers below can change without touching a report.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.warehouse.query import connect, query

KEY_FIGURE_COLUMNS = [
    "code",
    "name",
    "measure_group",
    "expenditure_per_inhabitant",
    "users_per_10000",
    "unit_cost",
    "protection",
]
# What a count of users gives back: hidden together (a rate x the public population, an amount / a unit cost = users).
COUNT_COLUMNS = ("users", "users_per_10000", "unit_cost", "unit_cost_fixed")
UNPROTECTED_WARNING = (
    "unprotected: counts of users under 5 (and the cells they could be computed back from) are shown; "
    "for your own analysis only, never for publication or sharing"
)

LEVEL_SQL = {
    "municipality": """select area, municipality_code as code, municipality_name as name, region_code, region_name, year,
                              measure_group, label_da, kind, sort_order, price_base_year, expenditure_kr, expenditure_kr_fixed,
                              potential_users, users, user_population, expenditure_per_inhabitant,
                              expenditure_per_inhabitant_fixed, users_per_10000, unit_cost, unit_cost_fixed
                       from mart_benchmark_municipality where (? is null or area = ?) and year between ? and ?
                       order by area, code, year, sort_order""",
    "region": """select area, code, name, code as region_code, name as region_name, is_country, year, measure_group, label_da,
                        kind, sort_order, price_base_year, expenditure_kr, expenditure_kr_fixed, potential_users, users,
                        user_population, expenditure_per_inhabitant, expenditure_per_inhabitant_fixed, users_per_10000,
                        unit_cost, unit_cost_fixed, n_municipalities, n_reporting_users, n_unit_cost
                 from mart_benchmark_region where (? is null or area = ?) and year between ? and ?
                 order by area, is_country, code, year, sort_order""",
}
SERIES_COLUMNS = {  # benchmark_series: the reports' naming, fixed prices as the figures
    "municipality": [
        "code", "name", "region_code", "year", "measure_group", "label_da", "kind", "sort_order",
        "expenditure_kr_fixed", "potential_users", "users", "user_population", "expenditure_per_inhabitant",
        "users_per_10000", "unit_cost",
    ],
    "region": [
        "code", "name", "region_code", "year", "measure_group", "label_da", "kind", "sort_order",
        "expenditure_kr_fixed", "potential_users", "users", "user_population", "expenditure_per_inhabitant",
        "users_per_10000", "unit_cost", "n_reporting_users", "n_unit_cost",
    ],
}  # fmt: skip


def _check_area(area: str) -> None:
    if area not in labels.AREAS:
        raise ValueError(f"area must be one of {', '.join(labels.AREAS)}, not {area!r}")


def price_years() -> list[int]:
    """The years with a price index (the possible price base years)."""
    return query("select year from mart_price_index order by year")["year"].astype(int).tolist()


def _check_price_base_year(price_base_year: int | None) -> None:
    years = price_years()
    if price_base_year is not None and price_base_year not in years:
        raise ValueError(f"no price index for {price_base_year}; the warehouse has {years[0]}-{years[-1]}")


def protect_frames(municipal: pd.DataFrame, regions: pd.DataFrame, area: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark pages' mask (analysis.benchmark.protect_users) on an area's municipalities and regions: counts of
    users of 1-4 and every count they could be computed back from are hidden, with every column that gives a count
    back (COUNT_COLUMNS); `protection` says why ("small", "complement" or empty). The frames must hold every
    municipality, region and measure group of each year they cover, as the pages' do (the mask is computed per year)."""
    municipal, regions = benchmark.protect_users(municipal, regions, measure_groups(area))

    def hide(frame: pd.DataFrame) -> pd.DataFrame:
        keep = frame["protection"] == ""
        return frame.assign(**{c: frame[c].where(keep) for c in COUNT_COLUMNS if c in frame})

    return hide(municipal), hide(regions)


def key_figure_frames(
    area: str | None, start: int, end: int, price_base_year: int | None = None, protect: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The municipalities' and the regions' (with the whole country's) key figures of an area (None: both) for the
    years start..end, in current prices and in fixed prices of `price_base_year` (default: the latest year).

    Columns as the marts name them, but `code` and `name` for the municipality or region; counts of users under 5 are
    protected as on the benchmark pages (`protect_frames`) unless `protect=False`: the analyst's own, unpublished use.
    """
    if area is not None:
        _check_area(area)
    _check_price_base_year(price_base_year)
    con = connect()
    try:
        if price_base_year is not None:
            con.execute(f"set variable price_base_year = {int(price_base_year)}")
        municipal, regions = (con.execute(LEVEL_SQL[level], [area, area, start, end]).df() for level in LEVEL_SQL)
    finally:
        con.close()
    if protect:
        parts = [
            protect_frames(
                municipal[municipal["area"] == a].reset_index(drop=True),
                regions[regions["area"] == a].reset_index(drop=True),
                a,
            )
            for a in ((area,) if area else labels.AREAS)
            if (municipal["area"] == a).any()
        ]
        if parts:
            municipal = pd.concat([p[0] for p in parts], ignore_index=True)
            regions = pd.concat([p[1] for p in parts], ignore_index=True)
    else:
        municipal, regions = municipal.assign(protection=""), regions.assign(protection="")
    return municipal, regions


def key_figures(
    area: str,
    year: int,
    by: str = "region",
    region: str | None = None,
    prices: str = "current",
    price_base_year: int | None = None,
    protect: bool = True,
) -> pd.DataFrame:
    """Expenditure per inhabitant, users per 10,000 and unit cost per measure group.

    `by="region"` gives the 5 regions and the whole country; `by="municipality"` every municipality, or those
    of `region`. Fixed prices are in prices of `price_base_year` (default: the latest year). Region and country
    figures are sums over sums (see mart_benchmark_region). Counts of users under 5 are protected as on the benchmark
    pages (`protection` says which cells are hidden and why); `protect=False` is the analyst's own opt-out.
    """
    _check_area(area)
    if by not in ("region", "municipality"):
        raise ValueError(f"by must be region or municipality, not {by!r}")
    if prices not in ("current", "fixed"):
        raise ValueError(f"prices must be current or fixed, not {prices!r}")
    years = price_years()
    if year not in years:
        raise ValueError(f"no data for {year}; the warehouse has {years[0]}-{years[-1]}")
    municipal, regions = key_figure_frames(area, year, year, price_base_year, protect)
    if region is not None and region not in set(regions["code"]) - {labels.COUNTRY_CODE}:
        raise ValueError(f"unknown region {region!r}; regions are {', '.join(labels.REGION_CODES)}")
    if by == "region":
        frame = regions[regions["code"].isin([region, labels.COUNTRY_CODE])] if region else regions
    else:
        frame = municipal[municipal["region_code"] == region] if region else municipal
        frame = frame.sort_values(["name", "sort_order"], kind="stable")
    if prices == "fixed":
        frame = frame.assign(
            expenditure_per_inhabitant=frame["expenditure_per_inhabitant_fixed"], unit_cost=frame["unit_cost_fixed"]
        )
    return frame[KEY_FIGURE_COLUMNS].reset_index(drop=True)


def benchmark_series(
    area: str, start: int, end: int, price_base_year: int, level: str = "municipality", protect: bool = True
) -> pd.DataFrame:
    """Key figures for every year start..end and measure group, in fixed prices of `price_base_year`.

    `level="municipality"` gives every municipality (with its region code), `level="region"` the five regions
    and the whole country, summed over municipalities. Counts of users under 5 are protected as on the benchmark pages
    (column `protection`) unless `protect=False` (a report that protects the frames itself, or the analyst's own
    use).
    """
    municipal, regions = key_figure_frames(area, start, end, price_base_year, protect)
    frame = municipal if level == "municipality" else regions
    missing = sorted(set(range(start, end + 1)) - set(frame["year"]))
    if missing:
        raise ValueError(f"no {area} key figures for {', '.join(map(str, missing))}")
    fixed = frame.assign(
        expenditure_per_inhabitant=frame["expenditure_per_inhabitant_fixed"], unit_cost=frame["unit_cost_fixed"]
    )
    columns = SERIES_COLUMNS[level] + (["protection"] if protect else [])
    return fixed[columns].reset_index(drop=True)


def benchmark_years() -> tuple[int, int]:
    """The first and last year with key figures."""
    years = query("select min(year) as lo, max(year) as hi from mart_benchmark_region").iloc[0]
    return int(years["lo"]), int(years["hi"])


def key_figures_all(protect: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every municipality and every region (with the whole country), year and measure group of both areas, current and
    fixed prices of the latest year, protected as on the benchmark pages (the explorer's data)."""
    lo, hi = benchmark_years()
    return key_figure_frames(None, lo, hi, None, protect)


def peer_features(year: int) -> pd.DataFrame:
    """Per municipality in a year: log population, shares of 0-17 and 65+ year-olds and the expenditure-need index."""
    frame = query(
        """
        select m.municipality_code, m.municipality_name, m.expected_expenditure_need_index,
               ln(max(p.inhabitants) filter (where p.age_group = 'all')) as log_population,
               max(p.inhabitants) filter (where p.age_group = '0_17') / max(p.inhabitants) filter (where p.age_group = 'all') as share_0_17,
               max(p.inhabitants) filter (where p.age_group = '65_plus') / max(p.inhabitants) filter (where p.age_group = 'all') as share_65_plus,
        from mart_municipalities as m
        join mart_population as p on p.code = m.municipality_code and p.level = 'municipality' and p.year = ?
        group by all order by m.municipality_code""",
        [year],
    )
    if frame.empty:
        raise ValueError(f"no population for {year}")
    return frame


def municipalities() -> pd.DataFrame:
    """The 98 municipalities with region, in Danish alphabetical order of the names."""
    return query("""select municipality_code, municipality_name, region_code, region_name, move_to_elderly_at_65
                    from mart_municipalities order by municipality_name""")


def municipality_facts() -> pd.DataFrame:
    """Every column of mart_municipalities (region, facts, forecast settings), in Danish alphabetical order of the names."""
    return query("select * from mart_municipalities order by municipality_name")


def price_index() -> pd.DataFrame:
    """The price and wage index per year."""
    return query("select year, price_index from mart_price_index order by year")


def municipal_population(start: int, end: int) -> pd.DataFrame:
    """Inhabitants per municipality (with its region), year start..end and age group."""
    return query(
        """select p.code as municipality_code, p.name as municipality_name, m.region_code, m.region_name, p.year,
                  p.age_group, p.inhabitants
           from mart_population as p left join mart_municipalities as m on m.municipality_code = p.code
           where p.level = 'municipality' and p.year between ? and ?
           order by p.code, p.year, p.age_group""",
        [start, end],
    )


def municipality_names() -> dict[str, str]:
    """{municipality code: name}."""
    frame = municipalities()
    return dict(zip(frame["municipality_code"], frame["municipality_name"]))


def regions() -> pd.DataFrame:
    """The five regions (code, name)."""
    return query("select distinct region_code, region_name from mart_municipalities order by region_code")


def measures() -> pd.DataFrame:
    """Case-level measures: area, section of the Act, measure group, Danish label and the age group of its rates per 10,000."""
    return query(
        "select measure, area, section, measure_group, label_da, age_group from mart_measures order by measure"
    )


def measure_groups(area: str) -> pd.DataFrame:
    """The benchmark's measure groups of an area with the groups each adds up to (the hierarchy of measure_groups.csv)."""
    _check_area(area)
    return query("select * from mart_measure_groups where area = ? order by sort_order", [area])


# -- case data (forecast, packs) -----------------------------------------------------------------------------------------


def snapshots(municipality: str, area: str) -> list[dt.date]:
    """The dates of a municipality's case snapshots for an area, oldest first."""
    frame = query(
        """select distinct snapshot_date from mart_forecast_case_periods where municipality_code = ? and area = ?
                     order by 1""",
        [municipality, area],
    )
    return frame["snapshot_date"].dt.date.tolist()


def case_periods(municipality: str, area: str, snapshot: dt.date) -> pd.DataFrame:
    """The case periods of one snapshot (pseudonymised case ids)."""
    return query(
        """select * from mart_forecast_case_periods where municipality_code = ? and area = ? and snapshot_date = ?
                    order by case_id, measure, start_date""",
        [municipality, area, snapshot],
    )


def latest_snapshots() -> pd.DataFrame:
    """Each municipality and area with case snapshots: its latest snapshot date (lines of no known area, an unmapped
    measure without area or account function, make no report of their own; the data-quality report lists them)."""
    return query("""select p.municipality_code, m.municipality_name, p.area, max(p.snapshot_date) as as_of
                    from mart_forecast_case_periods as p join mart_municipalities as m using (municipality_code)
                    where p.area is not null group by all order by p.municipality_code, p.area desc""")


def actuals(municipality: str, area: str) -> pd.DataFrame:
    """Booked actuals per case, measure and month (amount as float kroner)."""
    frame = query(
        "select case_id, measure, month, amount_kr from mart_forecast_actuals where municipality_code = ? and area = ?",
        [municipality, area],
    )
    return frame.assign(amount=frame["amount_kr"].astype(float)).drop(columns="amount_kr")


def budget(municipality: str, area: str, year: int) -> pd.DataFrame:
    """The budget per measure: amount, assumed full-year cases."""
    return query(
        """select measure, amount_kr::double as amount, cases from mart_forecast_budget
                    where municipality_code = ? and area = ? and year = ?""",
        [municipality, area, year],
    )


def transitions(municipality: str) -> pd.DataFrame:
    """The children's area's transition list for a municipality."""
    return query("select * from mart_forecast_transitions where municipality_code = ?", [municipality])


def inhabitants(municipality: str, age_group: str, year: int) -> float:
    """A municipality's inhabitants in an age group in the latest year up to `year` (that year's figure, not the largest)."""
    return float(
        query(
            """select arg_max(inhabitants, year) from mart_population where level = 'municipality' and code = ? and age_group = ?
                          and year <= ?""",
            [municipality, age_group, year],
        ).iloc[0, 0]
    )


# -- progression -------------------------------------------------------------------------------------------------------


def progression_registrations() -> pd.DataFrame:
    """Every registration (pseudonymised case ids), ordered by case and registration number."""
    return query("select * from mart_progression_registrations order by case_id, registration_no")


def progression_periods() -> pd.DataFrame:
    """Each municipality with registrations and its first and last registration date."""
    return query("""select municipality_code, municipality_name, min(registration_date) as first, max(registration_date) as last
                    from mart_progression_registrations group by all order by municipality_code""")


def parameter_scores() -> pd.DataFrame:
    """The 0-4 parameter scores."""
    return query("select * from mart_progression_parameter_scores")


# -- data quality and provenance -------------------------------------------------------------------------------------


def ingest_log(region_code: str | None = None) -> pd.DataFrame:
    """Rows read, accepted and quarantined per kind of extract: every file (the whole country), or a region's
    municipalities' own extracts (the municipality comes from the file's rows, see int_extract_municipality)."""
    every = region_code is None or region_code == labels.COUNTRY_CODE
    return query(
        """select log.kind, count(*) as files, sum(log.rows_read)::bigint as rows_read, sum(log.accepted)::bigint as accepted,
                           sum(log.rejected)::bigint as rejected, bool_and(log.reconciles) as reconciles
                    from mart_ingest_log as log left join mart_municipalities as m using (municipality_code)
                    where ? or m.region_code = ?
                    group by log.kind order by log.kind""",
        [every, region_code],
    )


def findings(region_code: str | None = None, with_municipality: bool = False) -> pd.DataFrame:
    """Data-quality findings: every one (None or the country's code), or those of a region's municipalities only
    (a finding tied to no municipality, e.g. a rejected row of a national extract, is the whole country's)."""
    every = region_code is None or region_code == labels.COUNTRY_CODE
    frame = query(
        """select * from mart_data_quality where ? or region_code = ?
                     order by finding, municipality_name nulls first, year, area, measure_group, description""",
        [every, region_code],
    )
    return frame[frame["municipality_code"].notna()].reset_index(drop=True) if with_municipality else frame


def extracts(kinds: list[str] | None = None) -> pd.DataFrame:
    """The extracts the warehouse was built from: file, kind, checksum, period covered and rows."""
    frame = query("select * from mart_ingest_log order by kind, file")
    return frame[frame["kind"].isin(kinds)].reset_index(drop=True) if kinds else frame
