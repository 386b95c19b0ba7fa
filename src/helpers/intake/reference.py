"""Reference data: municipalities and regions (from the real DAWA files) and the committed mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers import paths


def dst_code(dawa_code: str) -> str:
    """DAWA's 4-digit code ('0101', '1084') as Statistics Denmark's 3-digit code ('101', '084')."""
    code = dawa_code.strip()
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"not a 4-digit DAWA code: {dawa_code!r}")
    return code[1:]


def municipalities_from_dawa(kommuner_json: Path, regioner_json: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 98 municipalities and 5 regions from DAWA's JSON; Christiansø (outside the division) is dropped."""
    kommuner = json.loads(kommuner_json.read_text(encoding="utf-8"))
    regioner = json.loads(regioner_json.read_text(encoding="utf-8"))
    regions = pd.DataFrame(
        {
            "region_code": [dst_code(r["kode"]) for r in regioner],
            "region_name": [r["navn"] for r in regioner],
            "nuts2": [r["nuts2"] for r in regioner],
        }
    ).sort_values("region_code", ignore_index=True)
    rows = [
        {
            "municipality_code": dst_code(k["kode"]),
            "municipality_name": k["navn"],
            "region_code": dst_code(k["regionskode"]),
        }
        for k in kommuner
        if not k["udenforkommuneinddeling"]
    ]
    munis = pd.DataFrame(rows).merge(regions[["region_code", "region_name"]], on="region_code", how="left")
    munis = munis.sort_values("municipality_code", ignore_index=True)
    if len(munis) != 98 or munis["region_name"].isna().any():
        raise ValueError(f"expected 98 municipalities in 5 regions from {kommuner_json}, got {len(munis)}")
    return munis, regions


def build_reference(out_dir: Path = paths.REFERENCE, real_dir: Path = paths.REAL_DATA) -> list[Path]:
    """Write municipalities.csv and regions.csv from the real DAWA files (UTF-8, comma-separated)."""
    munis, regions = municipalities_from_dawa(
        real_dir / "dawa_kommuner_2024.json", real_dir / "dawa_regioner_2024.json"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("municipalities.csv", munis), ("regions.csv", regions)):
        path = out_dir / name
        frame.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def _read(name: str) -> pd.DataFrame:
    """Read a committed reference CSV with every column as text (codes keep their leading zeros)."""
    return pd.read_csv(paths.REFERENCE / name, dtype=str, keep_default_na=False)


def municipalities() -> pd.DataFrame:
    """municipality_code, municipality_name, region_code, region_name for the 98 municipalities."""
    return _read("municipalities.csv")


def regions() -> pd.DataFrame:
    """region_code, region_name, nuts2 for the 5 regions."""
    return _read("regions.csv")


def account_functions() -> pd.DataFrame:
    """Chart-of-accounts functions (and groups) mapped to measure groups, as in the domain brief."""
    return _read("account_functions.csv")


def measure_groups() -> pd.DataFrame:
    """Measure groups per area with kind (base, aggregate, user_group), components and users rule."""
    frame = _read("measure_groups.csv")
    return frame.assign(sort_order=frame["sort_order"].astype(int))


def measures() -> pd.DataFrame:
    """Case-level measures (sub-areas) with area, section of the Act, benchmark measure group and the age at which the
    law ends the measure (`end_age`, a number; empty for adult measures)."""
    frame = _read("measures.csv")
    return frame.assign(end_age=pd.to_numeric(frame["end_age"].replace("", None), errors="raise"))


def municipal_settings() -> pd.DataFrame:
    """Per-municipality forecast settings: whether citizens turning 65 move to the elderly area."""
    frame = _read("municipal_settings.csv")
    return frame.assign(move_to_elderly_at_65=frame["move_to_elderly_at_65"].eq("yes"))


def age_groups() -> pd.DataFrame:
    """Age groups: 0-17, 0-22, 18-64 (denominators), 65+ and all ages (peer groups)."""
    frame = _read("age_groups.csv")
    return frame.assign(min_age=frame["min_age"].astype(int), max_age=frame["max_age"].astype(int))
