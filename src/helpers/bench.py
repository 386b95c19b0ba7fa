"""Benchmarks run side by side in one run, reported as ratios (the machines are noisy; ratios travel)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd

from helpers import labels, paths


def _best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Fastest of `repeat` runs, in seconds (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _empty_notebook(folder: Path) -> Path:
    """A notebook with only a parameters cell: papermill's fixed cost per report."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f"region = {labels.COUNTRY_CODE!r}")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def run(out_dir: Path | None = None, repeat: int = 3, parts: tuple[str, ...] = ()) -> dict:
    """Run the benchmarks (`parts`: some of PARTS; default all) and write them to results.json, keeping the figures of
    parts not run this time."""
    out_dir = out_dir or paths.ROOT / "reports" / "bench"
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown benchmark part(s): {', '.join(sorted(unknown))}; parts: {', '.join(PARTS)}")
    results: dict[str, float] = {}
    for name, part in PARTS.items():
        if not parts or name in parts:
            results |= part(repeat)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = out_dir / "results.json"
    kept = json.loads(store.read_text()) if store.exists() and parts else {}
    store.write_text(json.dumps(kept | results, indent=2) + "\n")
    return results


def ingest_and_build_benchmark(repeat: int = 3) -> dict[str, float]:
    """Validated ingestion against a bare pandas read of the population extract; a full warehouse build against a
    rebuild with every extract unchanged."""
    from helpers.intake.ingest import ingest
    from helpers.warehouse.build import build

    population = paths.sample_dir() / "population" / "FOLK1A_2010K1-2024K1.csv"
    results: dict[str, float] = {}
    results["ingest_population_s"] = _best_of(lambda: ingest("population", population), repeat)
    results["pandas_read_population_s"] = _best_of(lambda: pd.read_csv(population, sep=";", dtype=str), repeat)
    results["ingest_vs_pandas_ratio"] = results["ingest_population_s"] / results["pandas_read_population_s"]
    shutil.rmtree(paths.data_dir() / "staged", ignore_errors=True)  # a full build ingests every extract again
    results["warehouse_build_s"] = _best_of(build, 1)
    results["warehouse_rebuild_unchanged_s"] = _best_of(build, repeat)  # every checksum unchanged: nothing ingested
    results["rebuild_vs_build_ratio"] = results["warehouse_rebuild_unchanged_s"] / results["warehouse_build_s"]
    return results


def reports_benchmark(repeat: int = 3) -> dict[str, float]:
    """One report against papermill on an empty notebook (alternated); every report as `make reports` renders them
    (rendered anew) and the largest benchmark page; a second run with nothing changed; the 12 benchmark reports
    rendered one at a time against in parallel on every core."""
    import papermill

    from helpers.render.batch import REPORTS, render, render_all
    from helpers.render.kernel import kernel_manager_class

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        empty = _empty_notebook(Path(tmp))
        spec = next(s for s in REPORTS if s.name == "benchmark")
        params = [p for p in spec.parameter_sets() if p["area"] == "children"][-1]  # one region
        empties, reports = [], []
        for _ in range(repeat + 1):  # alternated, so both see the same load; the first report starts the kernel
            empties.append(
                _best_of(
                    lambda: papermill.execute_notebook(
                        str(empty),
                        str(Path(tmp) / "out.ipynb"),
                        kernel_name="python3",
                        progress_bar=False,
                        kernel_manager_class=kernel_manager_class(),
                    ),
                    1,
                )
            )
            reports.append(_best_of(lambda: render(spec, params, Path(tmp)), 1))
        results["papermill_empty_notebook_s"], results["one_report_s"] = min(empties), min(reports[1:])
        results["one_report_first_s"] = reports[0]  # with its kernel's start and imports
        start, cpu = time.perf_counter(), _cpu_seconds()
        every = render_all(out_dir=Path(tmp) / "all", progress=False, force=True)  # as `make reports`, rendered anew
        results["reports_all_s"] = time.perf_counter() - start
        results["reports_all_cpu_s"] = _cpu_seconds() - cpu  # this process, its workers and their kernels
        results["reports_count"] = len(every)
        _no_failures(every)
        pages = [r.path.stat().st_size for r in every if r.report == "benchmark"]
        results["benchmark_page_max_mb"] = max(pages) / 2**20
        results["reports_unchanged_s"], results["reports_unchanged_rendered"] = _second_run(Path(tmp) / "all")
        for label, workers in (("sequential", 1), ("parallel", os.cpu_count() or 1)):
            start = time.perf_counter()
            rendered = render_all(
                only=["benchmark"], out_dir=Path(tmp) / label, workers=workers, progress=False, force=True
            )
            results[f"all_benchmark_reports_{label}_s"] = time.perf_counter() - start
            _no_failures(rendered)
        results["benchmark_reports"] = len(rendered)
        results["parallel_workers"] = os.cpu_count() or 1
    results["report_vs_empty_notebook_ratio"] = results["one_report_s"] / results["papermill_empty_notebook_s"]
    results["sequential_vs_parallel_ratio"] = (
        results["all_benchmark_reports_sequential_s"] / results["all_benchmark_reports_parallel_s"]
    )
    return results


def _cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of its finished children, their children included: the work a
    run did, whatever else the machine was doing (on an idle machine with n cores it takes at least this / n)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _no_failures(results: list) -> None:
    failed = [r for r in results if r.error]
    if failed:
        raise RuntimeError(f"{len(failed)} report(s) failed in the benchmark, e.g. {failed[0].slug}: {failed[0].error}")


def _second_run(folder: Path) -> tuple[float, int]:
    """`python -m helpers reports` again on a folder just rendered, nothing changed: its seconds (a fresh process, as
    `make reports` starts one) and how many reports it rendered (0: all kept)."""
    import re
    import subprocess
    import sys

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "helpers", "reports", "--out", str(folder)], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - start
    return seconds, int(re.search(r"rendered (\d+) of", done.stdout).group(1))


def synthetic_periods(n: int, seed: int = 1) -> pd.DataFrame:
    """`n` case periods shaped like the national scale: 2 periods per case, day and month rates, some expected."""
    import numpy as np

    rng = np.random.default_rng(seed)
    cases = (n + 1) // 2
    first = np.datetime64("2019-01-01") + rng.integers(0, 6 * 365, cases).astype("timedelta64[D]")
    change = first + rng.integers(30, 3 * 365, cases).astype("timedelta64[D]")  # a new rate from this date
    last = np.where(
        rng.random(cases) < 0.4,
        np.datetime64("NaT"),
        change + rng.integers(30, 3 * 365, cases).astype("timedelta64[D]"),
    )
    start = np.stack([first, change], axis=1).ravel()[:n]
    end = np.stack([change - np.timedelta64(1, "D"), last], axis=1).ravel()[:n]
    expected = rng.random(n) < 0.05
    return pd.DataFrame(
        {
            "case_id": [f"C{i // 2}" for i in range(n)],
            "measure": rng.choice(
                ["sel_85_bostoette", "sel_107", "sel_108", "sel_104", "familiepleje", "opholdssted"], n
            ),
            "rate": rng.uniform(100, 60_000, n).round(2),
            "rate_unit": np.where(rng.random(n) < 0.3, "day", "month"),
            "start_date": start,
            "end_date": end,
            "status": np.where(expected, "expected", "current"),
            "probability": np.where(expected, rng.uniform(0.1, 1, n).round(2), np.nan),
        }
    )


def month_later(periods: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """The next month's extract of `periods`: of every 100 periods about 2 get a new rate, 2 an earlier end, 1 a later
    start, 1 becomes expected, 1 is gone; and new cases come in (2 % more periods)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    after = periods.copy()
    draw = rng.random(len(after))
    end = pd.to_datetime(after["end_date"])
    after["rate"] = after["rate"].where(draw >= 0.02, (after["rate"] * 1.05).round(2))
    after["end_date"] = end.where(
        ~((draw >= 0.02) & (draw < 0.04)), end.fillna(pd.Timestamp("2024-12-31")) - pd.Timedelta(days=30)
    )
    moved = (draw >= 0.04) & (draw < 0.05)
    after["start_date"] = pd.to_datetime(after["start_date"]).where(
        ~moved, pd.to_datetime(after["start_date"]) + pd.Timedelta(days=10)
    )
    expected = (draw >= 0.05) & (draw < 0.06)
    after["status"] = after["status"].where(~expected, "expected")
    after["probability"] = after["probability"].where(~expected, 0.5)
    new = synthetic_periods(len(periods) // 50, seed=seed + 1)
    return pd.concat([after[draw < 0.99], new.assign(case_id="N" + new["case_id"])], ignore_index=True)


def scale_step(step: str, n: int) -> dict[str, float]:
    """One step on `n` synthetic periods, timed, then run again under tracemalloc for its peak (the memory the step
    itself allocates, inputs excluded). Run in a fresh process (`forecast_scale_benchmark`), so steps do not share heaps."""
    import gc
    import tracemalloc

    from helpers.analysis.forecast import diff, forecast

    before = synthetic_periods(n)
    after = month_later(before) if step == "diff" else None
    run_step = (lambda: diff(before, after, 2024)) if step == "diff" else (lambda: forecast(before, 2024))
    gc.collect()
    seconds = _best_of(run_step, 2)
    gc.collect()
    tracemalloc.start()
    run_step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mb": peak / 2**20}


SCALE_PERIODS = 300_000  # a national extract: the forecast_300k_* and forecast_diff_300k_* keys


def forecast_scale_benchmark() -> dict[str, float]:
    """`forecast` on 300,000 periods against `forecast-diff` on 300,000 periods before and (a month later) after: time
    and peak memory, each in a fresh Python process, side by side."""
    import subprocess
    import sys

    n = SCALE_PERIODS
    out: dict[str, float] = {"forecast_scale_periods": n}
    for step, key in (("forecast", "forecast_300k"), ("diff", "forecast_diff_300k")):
        code = f"import json; from helpers.bench import scale_step; print(json.dumps(scale_step({step!r}, {n})))"
        found = json.loads(
            subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        )
        out[f"{key}_s"], out[f"{key}_peak_mb"] = found["seconds"], found["peak_mb"]
    out["forecast_diff_vs_forecast_time_ratio"] = out["forecast_diff_300k_s"] / out["forecast_300k_s"]
    out["forecast_diff_vs_forecast_peak_ratio"] = out["forecast_diff_300k_peak_mb"] / out["forecast_300k_peak_mb"]
    return out


def rowwise_forecast(periods: pd.DataFrame, year: int) -> dict[tuple[str, str], float]:
    """The same rules in plain pandas, row by row: each case's total for the year and the next (the benchmark's baseline)."""
    import calendar
    import datetime as dt

    out: dict[tuple[str, str], float] = {}
    for _, row in periods.iterrows():
        start = pd.Timestamp(row["start_date"]).date()
        end = dt.date(9999, 12, 31) if pd.isna(row["end_date"]) else pd.Timestamp(row["end_date"]).date()
        weight = row["probability"] if row["status"] == "expected" and not pd.isna(row["probability"]) else 1.0
        total = 0.0
        for y in (year, year + 1):
            for m in range(1, 13):
                days = calendar.monthrange(y, m)[1]
                covered = (min(end, dt.date(y, m, days)) - max(start, dt.date(y, m, 1))).days + 1
                if covered > 0:
                    total += row["rate"] * covered * (1.0 if row["rate_unit"] == "day" else 1.0 / days) * weight
        key = (row["case_id"], row["measure"])
        out[key] = out.get(key, 0.0) + total
    return out


def forecast_benchmark(n: int = 1_000_000, rowwise_n: int = 5_000) -> dict[str, float]:
    """The engine on `n` periods (time and peak memory) and, side by side on `rowwise_n` periods, against the row-by-row baseline."""
    import tracemalloc

    from helpers.analysis.forecast import forecast

    periods = synthetic_periods(n)
    tracemalloc.start()
    start = time.perf_counter()
    forecast(periods, 2024)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    small = periods.iloc[:rowwise_n]
    vector_small = _best_of(lambda: forecast(small, 2024), 3)
    rowwise_small = _best_of(lambda: rowwise_forecast(small, 2024), 1)
    return {
        "forecast_periods": n,
        "forecast_s": seconds,
        "forecast_peak_mb": peak / 2**20,
        "forecast_rowwise_periods": rowwise_n,
        "forecast_rowwise_s": rowwise_small,
        "forecast_vectorised_same_rows_s": vector_small,
        "forecast_rowwise_vs_vectorised_ratio": rowwise_small / vector_small,
        "forecast_rowwise_extrapolated_s": rowwise_small * n / rowwise_n,
    }


def explorer_benchmark(repeat: int = 3) -> dict[str, float]:
    """Each explorer control change, chart and table formatted as a kernel would (an IPython shell), against
    reading both areas from the warehouse: the cost a change would have if it went back to the warehouse."""
    import contextlib
    import io
    import statistics

    from IPython.core.interactiveshell import InteractiveShell

    from helpers.reports.explorer import Explorer

    InteractiveShell.instance()  # display() now computes the HTML and Vega bundles, as in JupyterLab
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        explorer = Explorer(Path(tmp))
        changes = (
            (explorer.region, "081"),
            (explorer.figure, "unit_cost"),
            (explorer.prices, "fixed"),
            (explorer.years, (2012, 2020)),
            (explorer.group, "familiepleje"),
            (explorer.highlight, "851"),
            (explorer.selection, "peers"),
            (explorer.area, "adults"),
            (explorer.region, labels.COUNTRY_CODE),
            (explorer.selection, "region"),
            (explorer.area, "children"),
        )
        timings = []
        for control, value in changes:
            start = time.perf_counter()
            control.value = value  # the observers redraw chart and table
            timings.append(time.perf_counter() - start)
    read = _best_of(Explorer._read_areas, repeat)
    return {
        "explorer_changes": len(timings),
        "explorer_change_median_s": statistics.median(timings),
        "explorer_change_max_s": max(timings),
        "explorer_read_both_areas_s": read,
        "explorer_change_median_vs_read_ratio": statistics.median(timings) / read,
    }


def synthetic_case_extract(n: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    """A national-scale case extract as a DUBU/Sensum export writes it (Danish headers, decimal commas, dd.mm.yyyy,
    Danish status and unit words, CPR numbers), `n` rows, as CSV and as XLSX."""
    import numpy as np
    from openpyxl import Workbook

    from helpers.intake.privacy import synthetic_cpr

    rng = np.random.default_rng(seed)
    people = n // 3
    born = [dt.date(1950, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 25_000, people)]
    cprs = np.array([synthetic_cpr(b, "M" if i % 2 else "K", rng) for i, b in enumerate(born)])
    tariffs = np.round(rng.uniform(500, 40_000, 3_000), 2)
    measures = np.array(
        [
            "Anbringelse i plejefamilie",
            "Midlertidigt botilbud",
            "Længerevarende botilbud",
            "Bostøtte",
            "Aflastning",
            "Aktivitets- og samværstilbud",
            "Familiebehandling",
            "Kontaktperson",
        ]
    )
    start = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 2_000, n), unit="D")
    ends = np.where(
        rng.random(n) < 0.5, "", (start + pd.to_timedelta(rng.integers(30, 900, n), unit="D")).strftime("%d.%m.%Y")
    )
    frame = pd.DataFrame(
        {
            "CPR-nr.": cprs[rng.integers(0, people, n)],
            "Kommunekode": "479",
            "Indsats": measures[rng.integers(0, len(measures), n)],
            "Takst": [
                f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
                for v in tariffs[rng.integers(0, len(tariffs), n)]
            ],
            "Frekvens": np.where(rng.random(n) < 0.5, "md.", "pr. døgn"),
            "Ydelse startdato": start.strftime("%d.%m.%Y"),
            "Ydelse slutdato": ends,
            "Status": np.where(rng.random(n) < 0.9, "Aktiv", "Forventet"),
            "Leverandør": "Bostedet",
            "Leverandørtype": "Privat",
            "Sagsbehandler": "AB",
            "Målgruppe": "Sindslidelse",
        }
    )
    csv_path, xlsx_path = folder / "cases_national.csv", folder / "cases_national.xlsx"
    frame.to_csv(csv_path, sep=";", index=False, encoding="utf-8")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Indsatser")
    sheet.append(list(frame.columns))
    numbers = [float(t.replace(".", "").replace(",", ".")) for t in frame["Takst"]]
    for row, number, first in zip(frame.itertuples(index=False), numbers, start):
        cells = list(row)
        cells[3], cells[5] = number, first.to_pydatetime()  # typed as Excel types them
        sheet.append(cells)
    book.save(xlsx_path)
    return csv_path, xlsx_path


def _peak_mb_of(code: str) -> tuple[float, float]:
    """Seconds and peak resident memory (MB; the process's high-water mark VmHWM, which starts anew at exec, unlike
    ru_maxrss, which a child inherits from the bench) of `code` run in a fresh Python process."""
    import subprocess
    import sys

    probe = (
        "import re, time, os; os.environ.setdefault('HELPERS_PSEUDONYM_KEY', 'bench'); start = time.perf_counter(); "
        f"{code}; seconds = time.perf_counter() - start; "
        "hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1); print(seconds, int(hwm) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    return float(out[-2]), float(out[-1])


def ingest_benchmark(n: int = 300_000) -> dict[str, float]:
    """Validated ingestion of a national-scale case extract (CSV and XLSX), each in a fresh process: seconds and peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = synthetic_case_extract(n, Path(tmp))
        out = {}
        for label, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            seconds, peak = _peak_mb_of(
                f"from helpers.intake.ingest import ingest; r = ingest('cases', {str(path)!r}); "
                f"assert len(r.accepted) + len(r.rejected) == {n}"
            )
            out[f"ingest_cases_300k_{label}_s"], out[f"ingest_cases_300k_{label}_peak_mb"] = seconds, peak
    return out


NATIONAL_STEPS = (3, 25, 50, 98)  # municipalities with case data at each step of the national scenario


def national_municipalities() -> list:
    """The 98 municipalities as their case systems deliver them, in code order after the sample's three: each other one
    with the case volumes of one of those three in turn, its neighbours (provider names) from its own region."""
    from helpers.intake import reference
    from helpers.render.formats import slugify
    from helpers.sample.cases import MUNICIPALITIES, Municipality

    found = reference.municipalities()
    out = list(MUNICIPALITIES)
    others = found[~found["municipality_code"].isin([m.code for m in MUNICIPALITIES])]
    for n, row in enumerate(others.itertuples()):
        region = found.loc[found["region_code"] == row.region_code, "municipality_name"]
        neighbours = tuple(name for name in region if name != row.municipality_name)[:3]
        out.append(
            Municipality(
                row.municipality_code,
                slugify(row.municipality_name),
                row.municipality_name,
                row.region_name,
                neighbours,
                "utf-8",
                False,
                False,
                like=MUNICIPALITIES[n % len(MUNICIPALITIES)].code,
            )
        )
    return out


def _generate_municipality(args: tuple[Path, object]) -> None:
    """A worker's part of the national scenario: one municipality's case extracts."""
    from helpers.sample.cases import generate_cases

    folder, municipality = args
    generate_cases(folder, municipalities=[municipality])


def _timed(command: list[str], env: dict) -> float:
    """Seconds of a `python -m helpers` command in a fresh process."""
    import subprocess
    import sys

    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers", *command], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-1000:]}")
    return time.perf_counter() - start


def national_benchmark(steps: tuple[int, ...] = NATIONAL_STEPS) -> dict[str, float]:
    """The embedded data with case data (21 monthly snapshots, actuals, budget, transitions) for more and more
    municipalities, generated like the sample's three: at each step a full build (every extract ingested), the
    warehouse's size, and the reports of one municipality (its two forecast reports and three packs, Svendborg) and the whole country's data-quality report
    rendered anew; at the last step every report. Each command in a fresh process, as a user runs it."""
    from concurrent.futures import ProcessPoolExecutor

    from helpers.sample.generate import case_files, manifest_rows

    everyone = national_municipalities()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        sample = data / "sample"
        shutil.copytree(paths.sample_dir(), sample)
        manifest = pd.read_csv(sample / paths.MANIFEST, dtype=str, keep_default_na=False)
        env = {**os.environ, "HELPERS_DATA_DIR": str(data)}
        reports = str(Path(tmp) / "reports")
        done = len({m for m in manifest["municipality_code"] if m})
        for n in steps:
            new = everyone[done:n]
            with ProcessPoolExecutor(os.cpu_count()) as pool:
                list(pool.map(_generate_municipality, [(sample / "cases", m) for m in new]))
            files = [f for m in new for f in case_files(sample / "cases" / f"{m.code}_{m.slug}")]
            manifest = pd.concat([manifest, manifest_rows(files, sample)], ignore_index=True)
            manifest.to_csv(sample / paths.MANIFEST, index=False, lineterminator="\n")
            done = max(done, n)
            shutil.rmtree(data / "staged", ignore_errors=True)  # a full build: every extract ingested
            out[f"national_{n}_build_s"] = _timed(["build"], env)
            out[f"national_{n}_warehouse_mb"] = (data / "warehouse.duckdb").stat().st_size / 2**20
            out[f"national_{n}_case_files"] = float((manifest["kind"] == "cases").sum())
            one = ["reports", "--only", "forecast", "indicators", "--filter", "municipality=479", "--force"]
            out[f"national_{n}_one_municipality_reports_s"] = _timed([*one, "--out", reports], env)
            country = ["reports", "--only", "data_quality", "--filter", "region=000", "--force", "--out", reports]
            out[f"national_{n}_country_data_quality_s"] = _timed(country, env)
            print(
                f"national, {n} municipalities:", {k: round(v, 2) for k, v in out.items() if f"_{n}_" in k}, flush=True
            )
        last = steps[-1]
        out[f"national_{last}_reports_all_s"] = _timed(["reports", "--force", "--out", reports], env)
        out[f"national_{last}_reports_count"] = float(len(json.loads((Path(reports) / "index.json").read_text())))
    first, last_n = steps[0], steps[-1]
    out["national_build_growth_ratio"] = out[f"national_{last_n}_build_s"] / out[f"national_{first}_build_s"]
    out["national_one_municipality_growth_ratio"] = (
        out[f"national_{last_n}_one_municipality_reports_s"] / out[f"national_{first}_one_municipality_reports_s"]
    )
    return out


PARTS = {  # `make bench` runs them all; `python -m helpers bench --only reports national` some
    "ingest": lambda repeat: ingest_and_build_benchmark(repeat) | ingest_benchmark(),
    "reports": reports_benchmark,
    "forecast": lambda repeat: forecast_benchmark() | forecast_scale_benchmark(),
    "explorer": explorer_benchmark,
    "national": lambda repeat: national_benchmark(),
}
