"""Write every sample extract and the manifest that tells ingestion which kind each file is."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.intake import reference
from helpers.render.formats import format_number
from helpers.sample.accounts import DUPLICATED_ROW, generate_accounts
from helpers.sample.cases import MUNICIPALITIES, generate_cases
from helpers.sample.io import write_extract
from helpers.sample.population import generate_population, write_statbank
from helpers.sample.progression import generate_progression

DEFAULT_SEED = 2017

COMPLETE = ".complete"


def _expenditure_extract(expenditure: pd.DataFrame) -> pd.DataFrame:
    """The accounts extract as a finance system exports it: Danish headers and decimals, one row delivered twice."""
    names = reference.municipalities().set_index("municipality_code")["municipality_name"]
    out = pd.DataFrame(
        {
            "kommunekode": expenditure["municipality_code"],
            "kommune": expenditure["municipality_code"].map(names),
            "funktion": expenditure["function"],
            "gruppering": expenditure["account_group"],
            "aar": expenditure["year"].astype(str),
            "nettodrift_1000_kr": [format_number(v, 1) for v in expenditure["amount_1000_kr"]],
        }
    )
    code, function, year = DUPLICATED_ROW
    dup = out.index[(out["kommunekode"] == code) & (out["funktion"] == function) & (out["aar"] == str(year))][0]
    return pd.concat([out.loc[:dup], out.loc[[dup]], out.loc[dup + 1 :]], ignore_index=True)


def _budget_extract(budgets: pd.DataFrame) -> pd.DataFrame:
    """Budget kind columns; the study municipalities' budgets give the area total only."""
    return pd.DataFrame(
        {
            "municipality_code": budgets["municipality_code"],
            "year": budgets["year"].astype(str),
            "area": budgets["area"],
            "measure": budgets["measure"],
            "amount": [format_number(v, 0) for v in budgets["amount"]],
            "cases": "",
            "average_price": "",
        }
    )


def generate_sample(out_dir: Path, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Write every sample extract under `out_dir` and a manifest (file, kind, bytes, sha256); return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / COMPLETE).unlink(missing_ok=True)
    workers = min(len(MUNICIPALITIES), os.cpu_count() or 1)
    if workers > 1:  # each municipality's case extracts in a process of its own (its own random stream: the same bytes)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            cases = [pool.submit(generate_cases, out_dir / "cases", seed, [m]) for m in MUNICIPALITIES]
            files = _generate_rest(out_dir, seed)
            for done in cases:
                done.result()
    else:
        files = _generate_rest(out_dir, seed)
        generate_cases(out_dir / "cases", seed=seed)
    files += case_files(out_dir / "cases")
    files += [
        (p, _progression_kind(p)) for p in sorted((out_dir / "progression").iterdir()) if p.suffix in (".csv", ".xlsx")
    ]
    manifest = manifest_rows(files, out_dir)
    manifest.to_csv(out_dir / paths.MANIFEST, index=False, lineterminator="\n")
    (out_dir / COMPLETE).write_text("")
    return manifest


def _generate_rest(out_dir: Path, seed: int) -> list[tuple[Path, str]]:
    """Every sample extract but the case-system ones: population, accounts, users, prices, facts and budget (returned
    with their ingest kinds, in the manifest's order), and progression."""
    pop = generate_population(seed=seed)
    acc = generate_accounts(pop, seed=seed)
    files: list[tuple[Path, str]] = [
        (write_statbank(pop, out_dir / "population" / "FOLK1A_2010K1-2024K1.csv"), "population"),
        (
            write_extract(
                _expenditure_extract(acc["expenditure"]),
                out_dir / "accounts" / "nettodrift_2010-2024.csv",
                encoding="latin-1",
                crlf=True,
            ),
            "expenditure",
        ),
        (write_extract(acc["users"].astype(str), out_dir / "users" / "brugere_2010-2024.csv", sep=","), "users"),
        (
            write_extract(
                pd.DataFrame(
                    {
                        "aar": acc["price_index"]["year"].astype(str),
                        "pl_indeks": [format_number(v, 2, thousands=False) for v in acc["price_index"]["index"]],
                    }
                ),
                out_dir / "prices" / "pl_indeks_2010-2024.csv",
            ),
            "price_index",
        ),
        (write_extract(acc["facts"].astype(str), out_dir / "facts" / "kommunefakta_2015.csv"), "municipal_facts"),
        (write_extract(_budget_extract(acc["budgets"]), out_dir / "budget" / "budget_voksne_2014-2017.csv"), "budget"),
    ]
    generate_progression(out_dir / "progression", seed=seed)
    return files


def case_files(folder: Path) -> list[tuple[Path, str]]:
    """The case-system extracts under `folder` (one sub-folder per municipality) with their ingest kinds."""
    return [(p, _case_kind(p)) for p in sorted(folder.rglob("*.csv"))]


def manifest_rows(files: list[tuple[Path, str]], out_dir: Path) -> pd.DataFrame:
    """The manifest's rows for extracts under `out_dir`: file, kind, bytes, sha256, municipality and snapshot date."""
    return pd.DataFrame(
        {
            "file": [str(p.relative_to(out_dir)) for p, _ in files],
            "kind": [k for _, k in files],
            "bytes": [p.stat().st_size for p, _ in files],
            "sha256": [hashlib.sha256(p.read_bytes()).hexdigest() for p, _ in files],
            # what the files themselves do not say: whose extract it is and the snapshot it was taken at
            "municipality_code": [_municipality_of(p, out_dir) for p, _ in files],
            "snapshot_date": [p.stem.removeprefix("cases_") if k == "cases" else "" for p, k in files],
        }
    )


def _municipality_of(path: Path, out_dir: Path) -> str:
    """The municipality whose system delivered a case extract (the generator writes them to <code>_<name>/), else ''."""
    folder = path.relative_to(out_dir).parts
    return folder[1].split("_")[0] if folder[0] == "cases" else ""


def _case_kind(path: Path) -> str:
    """Ingest kind of a case-system extract, from its file name."""
    for prefix, kind in (
        ("cases_", "cases"),
        ("actuals", "actuals"),
        ("budget", "budget"),
        ("transitions", "transitions"),
    ):
        if path.name.startswith(prefix):
            return kind
    raise ValueError(f"unknown case extract: {path}")


def _progression_kind(path: Path) -> str:
    """Ingest kind of a progression extract, from its file name."""
    return "parameter_scores" if path.name.startswith("parameter_scores") else "registrations"
