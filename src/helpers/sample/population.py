"""Population by municipality, sex, single-year age and year 2010-2024, calibrated to the real StatBank files.

What is real and what is generated (see docs/data.md):
- whole country and regions, 2010-2020, by sex and single-year age: real (FOLK1A), age 38 interpolated;
- the six municipalities in FOLK1A (147, 400, 461, 561, 751, 851), 2010-2020: real, age 38 interpolated;
- the seven municipalities of the 2019 adult study: their 18-64 population of 2017 is the published one;
- every municipality's total on 1 January 2022, 2023 and 2024: real (FOLK1AM);
- everything else is generated so that it adds up to the real figures above.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers import labels, paths
from helpers.intake import reference
from helpers.sample.io import write_extract

YEARS = range(2010, 2025)
REAL_YEARS = range(2010, 2021)
AGES = np.arange(101)
SEXES = ("1", "2")
INTERPOLATED_AGE = 38
KNOWN_MUNICIPALITIES = ("147", "400", "461", "561", "751", "851")
ADULT_AGES = (AGES >= 18) & (AGES <= 64)


def read_folk1a(path: Path) -> dict[str, np.ndarray]:
    """Real FOLK1A by area code -> array [year 2008.., sex, age] with age 38 interpolated along the cohort.

    The extract lacks age 38. The people aged 38 in year y were 37 a year earlier and are 39 a year
    later, so the estimate is the mean of those two cohort counts; in the first and last year of the
    extract, where one of them is missing, the mean of ages 37 and 39 of the same year.
    """
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8")
    raw.columns = ["area", "sex", "age", "time", "count"]
    raw = raw.assign(year=raw["time"].str[:4].astype(int), age=raw["age"].astype(int), count=raw["count"].astype(int))
    years = sorted(raw["year"].unique())
    out: dict[str, np.ndarray] = {}
    for area, part in raw.groupby("area", sort=True):
        arr = np.zeros((len(years), 2, 101), dtype=np.int64)
        arr[part["year"].to_numpy() - years[0], part["sex"].astype(int).to_numpy() - 1, part["age"].to_numpy()] = part[
            "count"
        ].to_numpy()
        a = INTERPOLATED_AGE
        for i in range(len(years)):
            if 0 < i < len(years) - 1:
                est = (arr[i - 1, :, a - 1] + arr[i + 1, :, a + 1]) / 2
            else:
                est = (arr[i, :, a - 1] + arr[i, :, a + 1]) / 2
            arr[i, :, a] = np.floor(est + 0.5)
        out[str(area)] = arr
    # The country's interpolated age 38 is the sum of the regions', so that regions still add up exactly.
    out[labels.COUNTRY_CODE][:, :, INTERPOLATED_AGE] = sum(out[r][:, :, INTERPOLATED_AGE] for r in labels.REGION_CODES)
    out["_first_year"] = np.array([years[0]])
    return out


def read_folk1am_january(path: Path, names_to_codes: dict[str, str]) -> pd.DataFrame:
    """Real FOLK1AM totals on 1 January (2022-2024) per municipality code, incl. Christiansø (411)."""
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
    raw.columns = ["area", "time", "count"]
    jan = raw[raw["time"].str.endswith("M01")]
    jan = jan.assign(
        code=jan["area"].map(names_to_codes), year=jan["time"].str[:4].astype(int), count=jan["count"].astype(int)
    )
    return jan.dropna(subset=["code"])[["code", "year", "count"]]


def published_adults_2017(path: Path) -> dict[str, int]:
    """The seven study municipalities' 18-64 population in 2017 (published)."""
    facts = pd.read_csv(path, dtype={"municipality_code": str})
    return dict(zip(facts["municipality_code"], facts["inhabitants_18_64_2017"].astype(int)))


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative reals to integers summing to `total`, giving the leftover units to the largest fractions."""
    values = np.maximum(values, 0)
    scaled = values * (total / values.sum()) if values.sum() > 0 else np.full(len(values), total / len(values))
    floor = np.floor(scaled).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        order = np.argsort(-(scaled - floor), kind="stable")
        floor[order[:short]] += 1
    return floor


def _ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Iterative proportional fitting of a non-negative matrix to row and column totals."""
    x = seed.astype(float).copy()
    for _ in range(iterations):
        x *= (rows / np.maximum(x.sum(axis=1), 1e-12))[:, None]
        x *= (cols / np.maximum(x.sum(axis=0), 1e-12))[None, :]
    return x


def _round_columns(x: np.ndarray, cols: np.ndarray, fixed_rows: dict[int, int]) -> np.ndarray:
    """Integer matrix with exact column totals; rows in `fixed_rows` also get their exact total.

    Fixed rows are rounded first (largest remainder within the row), the rest of each column is then
    shared among the other rows by largest remainder, so column totals hold exactly.
    """
    out = np.zeros_like(x, dtype=np.int64)
    remaining = cols.astype(np.int64).copy()
    for i, total in fixed_rows.items():
        out[i] = np.minimum(_largest_remainder(x[i], total), remaining)
        if out[i].sum() != total:
            raise ValueError("fixed row does not fit within the column totals")
        remaining -= out[i]
    free = [i for i in range(x.shape[0]) if i not in fixed_rows]
    for j in range(x.shape[1]):
        out[free, j] = _largest_remainder(x[free, j], int(remaining[j]))
    return out


def _age_tilt(rng: np.random.Generator, growth: float) -> np.ndarray:
    """A municipality's age profile relative to its region's: growing towns are younger, shrinking ones older."""
    young_adults = np.exp(-(((AGES - 27) / 7.0) ** 2))
    children = np.exp(-(((AGES - 8) / 7.0) ** 2))
    elderly = 1 / (1 + np.exp(-(AGES - 62) / 4.0))
    z = np.clip(growth / 0.006, -2.5, 2.5)
    t_young = 0.25 * z + rng.normal(0, 0.12)
    t_child = rng.normal(0.0, 0.12)
    t_old = -0.18 * z + rng.normal(0, 0.10)
    tilt = np.exp(t_young * young_adults + t_child * children + t_old * elderly)
    return np.concatenate([tilt, tilt])


def _survival(age: np.ndarray) -> np.ndarray:
    """One-year survival probability by age (a Gompertz curve close to Danish life tables)."""
    return 1 - np.minimum(0.00015 + 0.00003 * np.exp(0.095 * age), 0.6)


def generate_population(seed: int = 1701) -> pd.DataFrame:
    """Population on 1 January by area (country, regions, 98 municipalities, Christiansø), sex, age, year."""
    rng = np.random.default_rng(seed)
    munis = reference.municipalities()
    folk1a = read_folk1a(paths.REAL_DATA / "dst_FOLK1A_codes_koen_alder_2008-2020K1.csv")
    first = int(folk1a["_first_year"][0])
    names = dict(zip(munis["municipality_name"], munis["municipality_code"])) | {
        "Christiansø": labels.CHRISTIANSOE_CODE
    }
    january = read_folk1am_january(paths.REAL_DATA / "dst_FOLK1AM_omraade_2021M10-2024M04.csv", names)
    jan = january.pivot(index="code", columns="year", values="count")
    adults_2017 = published_adults_2017(paths.PUBLISHED / "published_adult_municipal_facts_2015_2017.csv")

    cells: dict[str, np.ndarray] = {}  # area -> [year index 2010.., sex*age (202)]
    region_of = dict(zip(munis["municipality_code"], munis["region_code"])) | {labels.CHRISTIANSOE_CODE: "084"}
    growth = ((jan[2024] / jan[2022]) ** 0.5 - 1).clip(-0.012, 0.02)
    tilts = {code: _age_tilt(rng, float(growth[code])) for code in sorted(region_of)}
    adult_cols = np.concatenate([ADULT_AGES, ADULT_AGES])

    for region in labels.REGION_CODES:
        members = sorted(c for c, r in region_of.items() if r == region)
        known = [c for c in members if c in KNOWN_MUNICIPALITIES]
        free = [c for c in members if c not in KNOWN_MUNICIPALITIES]
        for code in members:
            cells[code] = np.zeros((len(YEARS), 202), dtype=np.int64)

        def fit(year: int, region=region, known=known, free=free) -> tuple[np.ndarray, np.ndarray]:
            """The region's cells less the known municipalities', and the unconstrained fit of the free ones."""
            fi = year - first
            cols = folk1a[region][fi].reshape(202) - sum(
                (folk1a[c][fi].reshape(202) for c in known), np.zeros(202, dtype=np.int64)
            )
            totals = np.array([jan.loc[c, 2022] / (1 + growth[c]) ** (2022 - year) for c in free])
            rows = _largest_remainder(totals, int(cols.sum())).astype(float)
            profile = cols / cols.sum()
            return cols, _ipf(np.array([profile * tilts[c] for c in free]), rows, cols.astype(float))

        # Scale the study municipalities' 18-64 share so that 2017 hits the published figure,
        # applying the same factor in every year so their series has no break.
        model_2017 = fit(2017)[1]
        study_ratio = {
            i: adults_2017[c] / float(model_2017[i, adult_cols].sum()) for i, c in enumerate(free) if c in adults_2017
        }
        for year in REAL_YEARS:
            yi = year - YEARS.start
            for code in known:
                cells[code][yi] = folk1a[code][year - first].reshape(202)
            cols, x = fit(year)
            for i, ratio in study_ratio.items():
                x[i, adult_cols] *= ratio
            fixed = {i: adults_2017[free[i]] for i in study_ratio} if year == 2017 else {}
            xa = _ipf(x[:, adult_cols], x[:, adult_cols].sum(axis=1), cols[adult_cols].astype(float), 30)
            xb = _ipf(x[:, ~adult_cols], x[:, ~adult_cols].sum(axis=1), cols[~adult_cols].astype(float), 30)
            ia = _round_columns(xa, cols[adult_cols], fixed)
            ib = _round_columns(xb, cols[~adult_cols], {})
            for i, c in enumerate(free):
                cells[c][yi, adult_cols] = ia[i]
                cells[c][yi, ~adult_cols] = ib[i]

    _project_forward(cells, jan)
    return _to_frame(cells, region_of)


def _project_forward(cells: dict[str, np.ndarray], jan: pd.DataFrame) -> None:
    """Fill 2021-2024 by ageing each municipality's 2020 population and matching the real 1 January totals.

    2022-2024 totals are real (FOLK1AM); 2021 is interpolated between 2020 and 2022.
    """
    survival = np.concatenate([_survival(AGES), _survival(AGES)])
    for code, arr in cells.items():
        vec = arr[2020 - YEARS.start].astype(float)
        for year in range(2021, 2025):
            aged = np.zeros(202)
            for s in (0, 101):
                block = vec[s : s + 101] * survival[s : s + 101]
                aged[s + 1 : s + 101] = block[:-1]
                aged[s + 100] += block[-1]
                aged[s] = vec[s]
            if year == 2021:
                total = round((arr[2020 - YEARS.start].sum() + jan.loc[code, 2022]) / 2)
            else:
                total = int(jan.loc[code, year])
            arr[year - YEARS.start] = _largest_remainder(aged, int(total))
            vec = arr[year - YEARS.start].astype(float)


def _to_frame(cells: dict[str, np.ndarray], region_of: dict[str, str]) -> pd.DataFrame:
    """Long frame area, sex, age, year, count, with regions and country as sums of their parts for 2021-2024."""
    areas = dict(cells)
    for region in labels.REGION_CODES:
        areas[region] = sum(cells[c] for c, r in region_of.items() if r == region)
    areas[labels.COUNTRY_CODE] = sum(areas[r] for r in labels.REGION_CODES)
    order = [labels.COUNTRY_CODE, *labels.REGION_CODES, *sorted(cells)]
    n = len(YEARS) * 202
    frames = []
    for area in order:
        arr = areas[area]
        frames.append(
            pd.DataFrame(
                {
                    "area": area,
                    "sex": np.tile(np.repeat(SEXES, 101), len(YEARS)),
                    "age": np.tile(np.tile(AGES, 2), len(YEARS)),
                    "year": np.repeat(np.array(YEARS), 202),
                    "count": arr.reshape(n),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def write_statbank(pop: pd.DataFrame, path: Path) -> Path:
    """Write as a StatBank export with codes: `OMRÅDE;KØN;ALDER;TID;INDHOLD`, time `2017K1`, UTF-8."""
    out = pd.DataFrame(
        {
            "OMRÅDE": pop["area"],
            "KØN": pop["sex"],
            "ALDER": pop["age"].astype(str),
            "TID": pop["year"].astype(str) + "K1",
            "INDHOLD": pop["count"].astype(str),
        }
    ).sort_values(
        ["OMRÅDE", "KØN", "ALDER", "TID"], key=lambda s: s.str.zfill(3) if s.name == "ALDER" else s, kind="stable"
    )
    return write_extract(out, path)
