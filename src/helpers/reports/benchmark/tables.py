"""The benchmark report's tables: the regions compared, the development over the period, a table per measure group and
the peer groups, each a Styler (or HTML) in Danish formats, from the report's data (BenchmarkData)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.render import charts
from helpers.render.formats import danish_key, format_number
from helpers.render.tables import Block, danish_table
from helpers.reports.benchmark import exclusions
from helpers.reports.benchmark.data import COUNTRY, TOTAL, BenchmarkData


@dataclass
class Tables:
    """Every table of one benchmark report."""

    data: BenchmarkData

    def regions(self) -> pd.io.formats.style.Styler:
        """Expenditure per inhabitant in every region and the whole country, all measure groups (columns: areas)."""
        rows = self.data.region_rows(self.data.year)
        wide = rows.pivot_table(
            index=["sort_order", "label_da"], columns="name", values="expenditure_per_inhabitant", sort=False
        )
        order = list(dict.fromkeys(rows["name"]))
        wide = (
            wide[order]
            .reset_index(level="sort_order", drop=True)
            .reset_index()
            .rename(columns={"label_da": "Indsatsgruppe"})
        )
        return danish_table(wide)

    def region_users(self) -> pd.io.formats.style.Styler:
        """The region's user shares and unit costs beside the whole country's, all measure groups."""
        d = self.data
        rows = d.region_rows(d.year)
        own = rows[rows["code"] == d.region].set_index("measure_group")
        country = rows[rows["code"] == COUNTRY].set_index("measure_group")
        frame = pd.DataFrame(
            {
                "Indsatsgruppe": own["label_da"],
                f"{d.text['users']}, {d.region_name}": own["users_per_10000"],
                f"{d.text['users']}, {labels.COUNTRY_NAME.lower()}": country["users_per_10000"],
                f"Enhedsudgift, {d.region_name}": own["unit_cost"],
                f"Enhedsudgift, {labels.COUNTRY_NAME.lower()}": country["unit_cost"],
                "Kommuner med brugertal": own["n_reporting_users"],
            }
        )
        if d.region == COUNTRY:
            frame = frame.drop(columns=[c for c in frame if c.endswith(f", {labels.COUNTRY_NAME}")])
        return danish_table(frame.reset_index(drop=True), decimals=1).format(
            precision=0, subset=[c for c in frame if "Enhedsudgift" in c or "Kommuner" in c], thousands=".", decimal=","
        )

    def development(self) -> pd.io.formats.style.Styler:
        """The region's expenditure per inhabitant at the start of the long series, the period and now, and the changes."""
        d = self.data
        frame = d.regions[d.regions["code"].isin([d.region, COUNTRY])]
        period = benchmark.change(frame, d.period_start, d.year)
        long = benchmark.change(frame, d.long_series_start, d.year)
        own = d.regions[(d.regions["code"] == d.region) & (d.regions["year"] == d.year)][["measure_group", "label_da"]]

        def get(frame: pd.DataFrame, code: str, column: str) -> pd.Series:
            return own["measure_group"].map(frame[frame["code"] == code].set_index("measure_group")[column])

        table = pd.DataFrame(
            {
                "Indsatsgruppe": own["label_da"],
                f"{d.long_series_start}, kr.": get(long, d.region, "expenditure_per_inhabitant_start"),
                f"{d.period_start}, kr.": get(period, d.region, "expenditure_per_inhabitant_start"),
                f"{d.year}, kr.": get(period, d.region, "expenditure_per_inhabitant_end"),
                f"Ændring {d.period_start}-{d.year}, pct.": get(
                    period, d.region, "expenditure_per_inhabitant_change_pct"
                ),
                f"Ændring {d.long_series_start}-{d.year}, pct.": get(
                    long, d.region, "expenditure_per_inhabitant_change_pct"
                ),
                f"{labels.COUNTRY_NAME}, ændring {d.period_start}-{d.year}, pct.": get(
                    period, COUNTRY, "expenditure_per_inhabitant_change_pct"
                ),
            }
        )
        if d.region == COUNTRY:
            table = table.drop(columns=table.columns[-1])
        pct = [c for c in table if "pct." in c]
        return danish_table(table.reset_index(drop=True)).format(precision=1, subset=pct, decimal=",", thousands=".")

    def regions_development(self) -> pd.io.formats.style.Styler:
        """The change over the period in expenditure per inhabitant (fixed prices) for every region and the whole country."""
        d = self.data
        period = benchmark.change(d.regions, d.period_start, d.year)
        wide = period.pivot_table(
            index="measure_group", columns="code", values="expenditure_per_inhabitant_change_pct", sort=False
        )
        now = d.region_rows(d.year)
        names = dict(zip(now["code"], now["name"]))
        groups = now.drop_duplicates("measure_group").sort_values("sort_order")
        table = pd.DataFrame({"Indsatsgruppe": groups["label_da"].to_numpy()})
        for code in [c for c in dict.fromkeys(now["code"]) if c != COUNTRY] + [COUNTRY]:
            table[names[code]] = wide[code].reindex(groups["measure_group"]).to_numpy() if code in wide else None
        return danish_table(table).format(
            precision=1, subset=list(table.columns[1:]), decimal=",", thousands=".", na_rep=""
        )

    def group(self, measure_group: str) -> pd.DataFrame:
        """One measure group as benchmark reviewers read it: every municipality of the region with the three key figures
        in the report year and their change over the period, then the lowest, the highest, the region's average and the
        country's (BenchmarkData.averages: over the municipalities shown in each column, as the figures' lines).

        Cells are Danish text: `..` hidden (small user counts and their complements), `–` left out for a data-quality
        finding, empty where no users were reported."""
        d = self.data
        figures = benchmark.FIGURES
        years = (d.period_start, d.year)
        now = d.municipal_year()
        now = now[now["measure_group"] == measure_group]
        change = d.period_change()
        frame = now[["code", "name", "measure_group", "protection", *figures]].merge(
            change[change["measure_group"] == measure_group].drop(columns="measure_group"), on="code", how="left"
        )
        frame = frame.sort_values("name", key=lambda names: names.map(danish_key), kind="stable", ignore_index=True)
        columns = [*figures, *(f"{f}_change_pct" for f in figures)]
        decimals = {"users_per_10000": 1} | {f"{f}_change_pct": 1 for f in figures}
        start = d.municipal[(d.municipal["year"] == d.period_start) & (d.municipal["measure_group"] == measure_group)]
        start_protection = dict(zip(start["code"], start["protection"]))
        text, low, high = pd.DataFrame({"name": frame["name"]}), {}, {}
        kept = {span: exclusions.apply(frame, d.excluded, span)[0]["code"] for span in (years, (d.year,))}
        for column in columns:
            left_out = ~frame["code"].isin(kept[years if column.endswith("_change_pct") else (d.year,)])
            values = frame[column].where(~left_out)
            protected = frame["protection"].ne("") | (
                frame["code"].map(start_protection).fillna("").ne("") & column.endswith("_change_pct")
            )
            hidden = protected & values.isna() & ~column.startswith("expenditure")
            cells = pd.Series([format_number(v, decimals.get(column, 0)) for v in values], frame.index, object)
            text[column] = cells.mask(hidden, labels.HIDDEN).mask(left_out, "–")
            low[column], high[column] = values.min(), values.max()
        averages = d.averages()
        summary = [("Laveste", low), ("Højeste", high), (d.average_label, averages.loc[("region", measure_group)])]
        if d.region != COUNTRY:
            summary.append((charts.COUNTRY_AVERAGE, averages.loc[("country", measure_group)]))
        for name, row in summary:
            text.loc[len(text)] = [name] + [format_number(row[c], decimals.get(c, 0)) for c in columns]
        return text.rename(columns=d.headers())

    def groups(self) -> Block:
        """Every measure group's table (group) under its own heading, with what the markers mean."""
        d = self.data
        groups = d.region_rows(d.year).drop_duplicates("measure_group").sort_values("sort_order")
        summary = 3 if d.region == COUNTRY else 4  # lowest, highest, the average (and the country's), set apart
        parts = []
        for group, label in zip(groups["measure_group"], groups["label_da"]):
            table = danish_table(self.group(group), title=label).set_table_attributes('class="benchmark-group"')
            rows = len(table.data)
            marks = {i: "summary" for i in range(rows - summary, rows)}
            if d.highlight_name:  # the reader's own municipality
                marks |= {i: "highlight" for i in range(rows) if table.data.iloc[i, 0] == d.highlight_name}
            # each group folded (the whole country's are 101 rows each), opened for print
            parts.append(
                Block(
                    f'<details class="group"><summary><h3>{escape(label)}</h3></summary>',
                    table.mark_rows(marks),
                    "</details>",
                )
            )
        averages = f"{d.average_name} og landsgennemsnittet er" if d.region != COUNTRY else f"{d.average_name} er"
        legend = (
            f'<p class="legend">{labels.HIDDEN}: skjult af hensyn til persondata: tallet bygger på færre end {labels.SMALL} '
            f"brugere, eller det ville sammen med andre tal i rapporten gøre det muligt at regne et sådant antal ud. "
            "–: udeladt på grund af et fund i datakvalitetskontrollen (se afsnittet om datakvalitet). Tomt felt: kommunen har "
            f"ikke indberettet brugere. Laveste og højeste er blandt de viste kommuner. {averages[0].upper()}{averages[1:]} "
            "summer over de kommuner, der vises i kolonnen (fx udgift i alt delt med indbyggere i alt), de samme tal som "
            "linjerne i figurerne; en kommune, der er skjult eller udeladt, indgår heller ikke i gennemsnittet. "
            "Regionernes og landets tal i afsnittene om regionerne omfatter alle kommuner."
            + (f" {escape(d.highlight_name)} er fremhævet med fed skrift." if d.highlight_name else "")
            + "</p>"
        )
        return Block(*parts, legend)

    def peers(self) -> pd.io.formats.style.Styler:
        """Each of the region's municipalities with its peer group and its expenditure against the peers' (total)."""
        d = self.data
        own = d.municipal_year()
        total = own[own["measure_group"] == TOTAL].set_index("code")
        groups = d.peers[d.peers["municipality_code"].isin(d.members)]
        listed = groups.sort_values("rank").groupby("municipality_code")["peer_name"].agg(", ".join)
        frame = pd.DataFrame(
            {
                "Kommune": pd.Series(d.members),
                "Sammenlignelige kommuner": listed,
                f"Udgift {d.text['per']}, kr.": total["expenditure_per_inhabitant"],
                "Gns. sammenlignelige kommuner, kr.": total["peer_expenditure_per_inhabitant"],
            }
        )
        return danish_table(
            frame.sort_values("Kommune", key=lambda names: names.map(danish_key)).reset_index(drop=True)
        )
