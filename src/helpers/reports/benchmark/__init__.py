"""The regional benchmark report (notebooks/benchmark.ipynb, either area), one module per kind of work.

`prepare` reads the data once (data.py: `read` gives BenchmarkData, the marts' frames with small user counts protected, who is
left out of what, names and CSV headers) and returns a RegionalBenchmark whose parts the notebook calls:

- `report.prose(key)`: each section's heading and explanation (prose.py)
- `report.conclusions()`: the main conclusions as sentences (conclusions.py)
- `report.tables`: the regions compared, the development, a table per measure group, the peer groups (tables.py)
- `report.figures`: each chart with its notes and CSV download (figures.py)
- `report.quality`: the findings listed in the data-quality section (quality.py)
- `report.check()`: the last cell; the figures reconcile with the marts (check.py)

exclusions.py says which municipality a figure leaves out and why (the notes under the figures).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from IPython.display import Markdown

from helpers.reports.benchmark.check import check
from helpers.reports.benchmark.conclusions import Conclusions
from helpers.reports.benchmark.data import COUNTRY, BenchmarkData, read
from helpers.reports.benchmark.figures import Figures
from helpers.reports.benchmark.prose import prose
from helpers.reports.benchmark.quality import Quality
from helpers.reports.benchmark.tables import Tables


@dataclass
class RegionalBenchmark:
    """One benchmark report: its data and the sections the notebook shows."""

    data: BenchmarkData
    tables: Tables = field(init=False)
    figures: Figures = field(init=False)
    quality: Quality = field(init=False)

    def __post_init__(self) -> None:
        self.tables, self.figures, self.quality = Tables(self.data), Figures(self.data), Quality(self.data)

    def prose(self, key: str) -> Markdown:
        """A section's heading and explanation for this report's area (and the whole country's wording)."""
        return prose(key, self.data.area, self.data.region)

    def conclusions(self) -> list[str]:
        """The main conclusions as Danish sentences with the figures."""
        return Conclusions(self.data).sentences()

    def check(self) -> None:
        """Assert the figures reconcile with the marts (the notebook's last cell)."""
        check(self.data)


def prepare(
    area: str,
    region: str = COUNTRY,
    year: int = 2017,
    period_start: int = 2014,
    long_series_start: int = 2010,
    price_base_year: int | None = None,
    exclude: dict[str, str] | None = None,
    peers: int = 5,
) -> RegionalBenchmark:
    """Read the marts for one report (regions and municipalities over the long series, peers, findings) once."""
    return RegionalBenchmark(read(area, region, year, period_start, long_series_start, price_base_year, exclude, peers))
