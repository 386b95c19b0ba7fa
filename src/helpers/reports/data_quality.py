"""The data-quality report (notebooks/data_quality.ipynb): ingestion counts per kind and the findings of the checks."""

from __future__ import annotations

import pandas as pd

from helpers import labels
from helpers.warehouse import marts


def ingest_log() -> pd.DataFrame:
    """Rows read, accepted and quarantined per kind of extract (Danish names)."""
    frame = marts.ingest_log()
    return frame.assign(kind=frame["kind"].map(labels.KIND_LABELS).fillna(frame["kind"]))


def findings(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Every finding for a region's municipalities (the country: all), plus those not tied to a municipality."""
    frame = marts.findings(region_code)[["finding", "municipality_name", "year", "description"]]
    year = frame["year"].astype("Int64").astype("str").replace("<NA>", "")  # a year is a label, not 2.019
    return frame.assign(finding=frame["finding"].map(labels.FINDING_LABELS), year=year)


def summary(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Number of findings per kind of finding and municipality, for an overview table."""
    found = findings(region_code)
    grouped = found.groupby(["finding", "municipality_name"], dropna=False).size().rename("findings").reset_index()
    return grouped.sort_values(["finding", "findings"], ascending=[True, False], ignore_index=True)
