"""Benchmarks run side by side in one run, reported as ratios (the machines are noisy; ratios travel)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd

from helpers import paths


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
    cell = nbformat.v4.new_code_cell("region = '000'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def run(out_dir: Path | None = None, repeat: int = 3) -> dict:
    """Time ingestion against a bare pandas read, the warehouse build, one report against papermill on an empty
    notebook, and the 12 benchmark reports rendered one at a time against in parallel on every core."""
    import papermill

    from helpers.ingest import ingest
    from helpers.reports import REPORTS, render, render_all
    from helpers.warehouse import build

    out_dir = out_dir or paths.ROOT / "reports" / "bench"
    population = paths.sample_dir() / "population" / "FOLK1A_2010K1-2024K1.csv"
    results: dict[str, float] = {}
    results["ingest_population_s"] = _best_of(lambda: ingest("population", population), repeat)
    results["pandas_read_population_s"] = _best_of(lambda: pd.read_csv(population, sep=";", dtype=str), repeat)
    results["ingest_vs_pandas_ratio"] = results["ingest_population_s"] / results["pandas_read_population_s"]
    results["warehouse_build_s"] = _best_of(build, 1)
    with tempfile.TemporaryDirectory() as tmp:
        empty = _empty_notebook(Path(tmp))
        results["papermill_empty_notebook_s"] = _best_of(
            lambda: papermill.execute_notebook(str(empty), str(Path(tmp) / "out.ipynb"), kernel_name="python3", progress_bar=False), repeat)
        spec = next(s for s in REPORTS if s.name == "benchmark_children")
        params = spec.parameter_sets()[-1]  # one region
        results["one_report_s"] = _best_of(lambda: render(spec, params, Path(tmp)), repeat)
        benchmarks = ["benchmark_children", "benchmark_adults"]
        for label, workers in (("sequential", 1), ("parallel", os.cpu_count() or 1)):
            start = time.perf_counter()
            rendered = render_all(only=benchmarks, out_dir=Path(tmp) / label, workers=workers, progress=False)
            results[f"all_benchmark_reports_{label}_s"] = time.perf_counter() - start
            failed = [r for r in rendered if r.error]
            if failed:
                raise RuntimeError(f"{len(failed)} report(s) failed in the benchmark, e.g. {failed[0].slug}: {failed[0].error}")
        results["benchmark_reports"] = len(rendered)
        results["parallel_workers"] = os.cpu_count() or 1
    results["report_vs_empty_notebook_ratio"] = results["one_report_s"] / results["papermill_empty_notebook_s"]
    results["sequential_vs_parallel_ratio"] = results["all_benchmark_reports_sequential_s"] / results["all_benchmark_reports_parallel_s"]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
