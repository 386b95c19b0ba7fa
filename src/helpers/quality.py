"""Data quality for reports: ingestion counts per file and the findings of the checks, from the marts."""

from __future__ import annotations

import pandas as pd

from helpers.warehouse import query

FINDING_LABELS = {
    "break": "Brud i serie",
    "impossible": "Umuligt nøgletal",
    "missing_users": "Manglende brugertal",
    "extreme": "Ekstrem værdi",
    "unmapped_account": "Konto uden for nøgletallene",
    "quarantined_row": "Afvist række ved indlæsning",
    "population": "Befolkning summerer ikke",
}


KIND_LABELS = {
    "population": "Befolkning", "expenditure": "Regnskab (nettodrift)", "users": "Brugere", "price_index": "Pris- og lønindeks",
    "municipal_facts": "Kommunefakta", "budget": "Budget", "cases": "Sager (øjebliksbilleder)", "actuals": "Bogførte udgifter",
    "transitions": "Overgang til voksenområdet", "registrations": "Progressionsregistreringer", "parameter_scores": "Parameterscorer",
}


def ingest_log() -> pd.DataFrame:
    """Rows read, accepted and quarantined per extract file, grouped by kind (Danish names)."""
    frame = query("""select kind, count(*) as files, sum(rows_read)::bigint as rows_read, sum(accepted)::bigint as accepted,
                           sum(rejected)::bigint as rejected, bool_and(reconciles) as reconciles
                    from mart_ingest_log group by kind order by kind""")
    return frame.assign(kind=frame["kind"].map(KIND_LABELS).fillna(frame["kind"]))


def findings(region_code: str = "000") -> pd.DataFrame:
    """Every finding for a region's municipalities ('000': all), plus those not tied to a municipality."""
    frame = query("""select finding, municipality_name, year, description from mart_data_quality
                     where ? = '000' or region_code = ? or municipality_code is null
                     order by finding, municipality_name nulls first, year""", [region_code, region_code])
    year = frame["year"].astype("Int64").astype("str").replace("<NA>", "")  # a year is a label, not 2.019
    return frame.assign(finding=frame["finding"].map(FINDING_LABELS), year=year)


def summary(region_code: str = "000") -> pd.DataFrame:
    """Number of findings per kind of finding and municipality, for an overview table."""
    found = findings(region_code)
    grouped = found.groupby(["finding", "municipality_name"], dropna=False).size().rename("findings").reset_index()
    return grouped.sort_values(["finding", "findings"], ascending=[True, False], ignore_index=True)
