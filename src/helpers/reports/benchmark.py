"""The regional benchmark report (notebooks/benchmark.ipynb, either area): its tables, figures, prose and conclusions.

`prepare` reads the marts once; each method returns one table (a Styler) or one Figure (chart, notes on
who is left out and why, CSV download), so the notebooks hold only parameters, calls and prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import pandas as pd
from IPython.display import Markdown

from helpers import labels
from helpers.analysis import benchmark
from helpers.analysis.funnel import funnel_limits, outside_limits
from helpers.analysis.peers import peer_groups
from helpers.render import charts
from helpers.render.formats import count, danish_key, format_number, opening_share, slugify
from helpers.render.tables import Block, danish_table
from helpers.reports import conclusions, data_quality, exclusions
from helpers.warehouse import marts

TOTAL = labels.TOTAL_GROUP
COUNTRY = labels.COUNTRY_CODE


PROSE = {  # the notebook's area-specific prose (markdown), shown by RegionalBenchmark.prose(key)
    "about": {
        "children": "## Om rapporten\n\nRapporten sammenligner udgifterne til udsatte børn og unge som **pris x mængde**: udgift pr. 0-22-årig (nettodriftsudgifter fra de kommunale regnskaber), hvor mange der modtager en indsats (brugere pr. 10.000 0-17-årige) og hvad en bruger i gennemsnit koster (enhedsudgift = udgift pr. bruger). Regionens og landets tal er summer over kommunerne (udgift i alt delt med indbyggere i alt), ikke gennemsnit af kommunernes nøgletal. Udviklingen er opgjort i faste priser.\n\nHver kommune sammenlignes også med sine **sammenlignelige kommuner**: de fem kommuner, der ligner den mest på befolkningens størrelse og alderssammensætning og det forventede udgiftsbehov. En kommune, der ikke kan indgå i en figur (fx fordi brugertallet mangler, eller fordi der er et brud i serien), står under figuren med begrundelsen. Alle figurers tal kan hentes som CSV under figuren, og figurerne har en rullemenu til at vælge indsatsgruppe.",
        "adults": "## Om rapporten\n\nRapporten sammenligner udgifterne til voksne med handicap og sociale problemer (serviceloven §§ 85, 95-96, 103-104, 107-108 og 110) som **pris x mængde**: udgift pr. 18-64-årig (nettodriftsudgifter fra de kommunale regnskaber), hvor mange der modtager en indsats (brugere pr. 10.000 18-64-årige) og hvad en bruger i gennemsnit koster (enhedsudgift = udgift pr. bruger). Regionens og landets tal er summer over kommunerne (udgift i alt delt med indbyggere i alt), ikke gennemsnit af kommunernes nøgletal. Udviklingen er opgjort i faste priser.\n\nHver kommune sammenlignes også med sine **sammenlignelige kommuner**: de fem kommuner, der ligner den mest på befolkningens størrelse og alderssammensætning og det forventede udgiftsbehov. En kommune, der ikke kan indgå i en figur (fx fordi brugertallet mangler, eller fordi der er et brud i serien), står under figuren med begrundelsen. Alle figurers tal kan hentes som CSV under figuren, og figurerne har en rullemenu til at vælge indsatsgruppe.",
    },
    "conclusions": {
        area: "## Hovedkonklusioner\n\nKonklusionerne er dannet af tallene i rapporten: regionen mod hele landet, udviklingen i perioden fordelt på brugerandel og enhedsudgift, spredningen mellem kommunerne og de kommuner, der ligger uden for tragtplottets kontrolgrænser."
        for area in labels.AREAS
    },
    "quality": {
        area: "## Datakvalitet\n\nAlle fund i områdets nøgletal for regionens kommuner, alle år (de samme som i rapporten om datakvalitet): brud i serier, umulige nøgletal, manglende brugertal, ekstreme værdier i forhold til alle kommuner; desuden ekstreme værdier i rapportåret og i forhold til de sammenlignelige kommuner (over dobbelt eller under halvdelen af deres gennemsnit), og kommuner udeladt af analytikeren. Brud og umulige nøgletal holder kommunen ude af de berørte figurer."
        for area in labels.AREAS
    },
    "regions": {
        "children": "## Regionen sammenlignet med de andre regioner\n\nUdgift pr. 0-22-årig i hver region og hele landet for alle indsatsgrupper i rapportåret. Figuren viser hver regions udgift som indeks i forhold til hele landet (= 100); den valgte region er fremhævet. Hver region har sin egen faste farve i alle figurer og rapporter, og hele landet er mørkegrå og stiplet.",
        "adults": "## Regionen sammenlignet med de andre regioner\n\nUdgift pr. 18-64-årig i hver region og hele landet for alle indsatsgrupper i rapportåret. Figuren viser hver regions udgift som indeks i forhold til hele landet (= 100); den valgte region er fremhævet. Hver region har sin egen faste farve i alle figurer og rapporter, og hele landet er mørkegrå og stiplet.",
    },
    "users": {
        "children": "Brugerandele og enhedsudgifter for regionen og hele landet. Kun kommuner, der har indberettet brugere for en indsatsgruppe, indgår i gruppens brugerandel og enhedsudgift, med deres egne udgifter og indbyggere.",
        "adults": "Brugerandele og enhedsudgifter for regionen og hele landet. Kun kommuner, der har indberettet brugere for en indsatsgruppe, indgår i gruppens brugerandel og enhedsudgift, med deres egne udgifter og indbyggere. For § 85 vises også de alternative enhedsudgifter: § 85 i botilbudslignende tilbud og § 85 i eget hjem, og botilbud i alt (§§ 107-108 og § 85 i botilbudslignende tilbud). De beregnes kun for kommuner, der har opgjort brugere for begge dele af § 85.",
    },
    "development": {
        "children": "## Udvikling over perioden og den lange serie\n\nUdgift pr. 0-22-årig i faste priser ved periodens start, den lange series start og i rapportåret, og ændringen i procent. Figuren viser hele serien for regionerne og hele landet i de samme farver; hele landet er den stiplede mørkegrå linje, og perioden er markeret.",
        "adults": "## Udvikling over perioden og den lange serie\n\nUdgift pr. 18-64-årig i faste priser ved periodens start, den lange series start og i rapportåret, og ændringen i procent. Figuren viser hele serien for regionerne og hele landet i de samme farver; hele landet er den stiplede mørkegrå linje, og perioden er markeret.",
    },
    "municipal": {
        "children": "## Kommunerne: udgift pr. 0-22-årig\n\nSøjlerne er kommunernes udgift i rapportåret. Linjerne ser ens ud i alle rapporter og er navngivet under figuren: regionens gennemsnit er en hel sort linje, landsgennemsnittet en stiplet mørkegrå linje (i rapporten for hele landet er gennemsnittet landsgennemsnittet), den højeste kommune en prikket grå linje og den laveste en grå linje af streger og prikker. Den korte lodrette streg på hver søjle er gennemsnittet for kommunens sammenlignelige kommuner. Derefter kommunernes udvikling i procent over perioden i faste priser.",
        "adults": "## Kommunerne: udgift pr. 18-64-årig\n\nSøjlerne er kommunernes udgift i rapportåret. Linjerne ser ens ud i alle rapporter og er navngivet under figuren: regionens gennemsnit er en hel sort linje, landsgennemsnittet en stiplet mørkegrå linje (i rapporten for hele landet er gennemsnittet landsgennemsnittet), den højeste kommune en prikket grå linje og den laveste en grå linje af streger og prikker. Den korte lodrette streg på hver søjle er gennemsnittet for kommunens sammenlignelige kommuner. Derefter kommunernes udvikling i procent over perioden i faste priser.",
    },
    "user_shares": {
        "children": "## Brugerandele og enhedsudgifter\n\nBrugere pr. 10.000 0-17-årige og udgift pr. bruger i hver kommune, med samme linjer og sammenlignelige kommuner som ovenfor, og udviklingen over perioden. Tal bygget på færre end 5 brugere vises ikke, da de kan pege på enkeltpersoner, og heller ikke tal, der sammen med andre tal i rapporten eller i dens downloads ville give dem tilbage (fx en samlet indsatsgruppe minus de øvrige grupper, eller regionen minus de øvrige kommuner); de står under figurerne og er markeret med .. i tabellerne. Det er brugerandelen og enhedsudgiften, der skjules, ikke befolkningstallet, som er offentligt.",
        "adults": "## Brugerandele og enhedsudgifter\n\nBrugere pr. 10.000 18-64-årige og udgift pr. bruger i hver kommune, med samme linjer og sammenlignelige kommuner som ovenfor, og udviklingen over perioden. Tal bygget på færre end 5 brugere vises ikke, da de kan pege på enkeltpersoner, og heller ikke tal, der sammen med andre tal i rapporten eller i dens downloads ville give dem tilbage (fx en samlet indsatsgruppe minus de øvrige grupper, eller regionen minus de øvrige kommuner); de står under figurerne og er markeret med .. i tabellerne. Det er brugerandelen og enhedsudgiften, der skjules, ikke befolkningstallet, som er offentligt.",
    },
    "drivers": {
        "children": "## Hvad driver udviklingen?\n\nHver kommunes ændring i udgift pr. 0-22-årig over perioden delt op i bidraget fra brugerandelen (flere eller færre brugere) og fra enhedsudgiften (dyrere eller billigere indsatser). Delene er beregnet logaritmisk, så de lægger sig præcist sammen til ændringen i alt (den sorte streg). Befolkningssammensætningen er andelen af 0-17-årige blandt de 0-22-årige, og for samlede grupper også forskelle i, hvilke kommuner der har opgjort brugere.",
        "adults": "## Hvad driver udviklingen?\n\nHver kommunes ændring i udgift pr. 18-64-årig over perioden delt op i bidraget fra brugerandelen (flere eller færre brugere) og fra enhedsudgiften (dyrere eller billigere indsatser). Delene er beregnet logaritmisk, så de lægger sig præcist sammen til ændringen i alt (den sorte streg). Befolkningssammensætningen er for voksne altid nul, da udgift og brugere opgøres pr. 18-64-årig, og for samlede grupper også forskelle i, hvilke kommuner der har opgjort brugere.",
    },
    "funnel": {
        "children": "## Tragtplot: er forskellene i brugerandele mere end tilfældige?\n\nHver prik er en kommune (regionens kommuner i regionens farve, de øvrige grå): brugere pr. 10.000 0-17-årige mod antallet af 0-17-årige. Kontrolgrænserne (95 % stiplet og 99,8 % prikket, grå) omkring landsgennemsnittet (den stiplede mørkegrå linje) bliver smallere, jo flere indbyggere en kommune har, så en lille kommune ikke kaldes ekstrem på grund af tilfældig variation. Grænserne er udvidet med den spredning mellem kommunerne, som er større end tilfældig (overspredning).",
        "adults": "## Tragtplot: er forskellene i brugerandele mere end tilfældige?\n\nHver prik er en kommune (regionens kommuner i regionens farve, de øvrige grå): brugere pr. 10.000 18-64-årige mod antallet af 18-64-årige. Kontrolgrænserne (95 % stiplet og 99,8 % prikket, grå) omkring landsgennemsnittet (den stiplede mørkegrå linje) bliver smallere, jo flere indbyggere en kommune har, så en lille kommune ikke kaldes ekstrem på grund af tilfældig variation. Grænserne er udvidet med den spredning mellem kommunerne, som er større end tilfældig (overspredning).",
    },
}


# The whole country's report is no region's: these phrases of PROSE read differently there (each must occur in PROSE).
COUNTRY_WORDING = [
    (
        "Hovedkonklusioner\n\nKonklusionerne er dannet af tallene i rapporten: regionen mod hele landet,",
        "Hovedkonklusioner\n\nKonklusionerne er dannet af tallene i rapporten: hele landet og regionerne,",
    ),
    ("Regionens og landets tal er summer", "Landets og regionernes tal er summer"),
    ("## Regionen sammenlignet med de andre regioner", "## Regionerne sammenlignet"),
    ("; den valgte region er fremhævet.", "."),
    ("Brugerandele og enhedsudgifter for regionen og hele landet.", "Brugerandele og enhedsudgifter for hele landet."),
    (
        "regionens gennemsnit er en hel sort linje, landsgennemsnittet en stiplet mørkegrå linje (i rapporten for hele landet er "
        "gennemsnittet landsgennemsnittet)",
        "landsgennemsnittet er en stiplet mørkegrå linje",
    ),
    ("(regionens kommuner i regionens farve, de øvrige grå)", "(alle kommuner i landets farve)"),
    ("nøgletal for regionens kommuner", "nøgletal for alle kommuner"),
]


@dataclass
class RegionalBenchmark:
    """Everything a regional benchmark report shows, for one area, region (or the whole country) and period."""

    area: str
    region: str
    region_name: str
    year: int
    period_start: int
    long_series_start: int
    price_base_year: int
    regions: pd.DataFrame  # regions + country, every year of the long series
    municipal: pd.DataFrame  # every municipality, every year of the long series (small user counts blanked)
    members: dict[str, str]  # the region's municipalities {code: name}
    peers: pd.DataFrame
    findings: pd.DataFrame
    excluded: list[exclusions.Exclusion] = field(default_factory=list)
    _years: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> dict[str, str]:
        return labels.AREA_TEXT[self.area]

    def prose(self, key: str) -> Markdown:
        """The notebook's explanation of a section for this report's area (a heading and its paragraphs)."""
        text = PROSE[key][self.area]
        if self.region == COUNTRY:
            for phrase, country in COUNTRY_WORDING:
                text = text.replace(phrase, country)
        return Markdown(text)

    @property
    def labels(self) -> dict[str, str]:
        return dict(zip(self.regions["measure_group"], self.regions["label_da"]))

    def headers(self, regional: bool = False) -> dict[str, str]:
        """Danish CSV headers for this report's figures: the area's age groups and the period's years in the names."""
        names = {
            "expenditure_per_inhabitant": f"Udgift {self.text['per']}, kr.",
            "users_per_10000": self.text["users"],
            "unit_cost": "Enhedsudgift, kr. pr. bruger",
        }
        out = {
            "code": "Regionskode" if regional else "Kommunekode",
            "name": "Region" if regional else "Kommune",
            "value": names["expenditure_per_inhabitant"],
            "user_population": f"Antal {self.text['user_population']}",
        }
        for figure, name in names.items():
            out |= {
                figure: name,
                f"peer_{figure}": f"{name}, gns. sammenlignelige kommuner",
                f"{figure}_start": f"{name}, {self.period_start}",
                f"{figure}_end": f"{name}, {self.year}",
                f"{figure}_change_pct": f"{labels.FIGURE_LABELS[figure]}, ændring {self.period_start}-{self.year}, pct.",
            }
        return out

    def file_name(self, what: str, *years: int) -> str:
        """A download's Danish file name: what, the area and the years ("tragtplot_boern-og-unge_2024.csv")."""
        return "_".join([slugify(what), slugify(labels.AREA_LABELS[self.area]), "-".join(map(str, years))]) + ".csv"

    @property
    def average_label(self) -> str:
        """The region's (or the country's) average as a row or line is named in tables and figures."""
        return (
            charts.COUNTRY_AVERAGE if self.region == COUNTRY else charts.REGION_AVERAGE
        )  # each drawn in its own style

    @property
    def average_name(self) -> str:
        return "landsgennemsnittet" if self.region == COUNTRY else "gennemsnittet i regionen"

    # -- data ----------------------------------------------------------------------------------------------------------

    def _region_rows(self, year: int) -> pd.DataFrame:
        return self.regions[self.regions["year"] == year]

    def _own(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["code"].isin(self.members)]

    def municipal_year(self, year: int | None = None) -> pd.DataFrame:
        """The region's municipalities in a year, with each one's peer averages (sums over its peers); computed once a year."""
        year = year or self.year
        if year not in self._years:
            self._years[year] = self._municipal_year(year)
        return self._years[year]

    def _municipal_year(self, year: int) -> pd.DataFrame:
        every = self.municipal[self.municipal["year"] == year]
        clean, _ = exclusions.apply(every, self.excluded, (year,))  # peers' averages without impossible figures
        averages = benchmark.peer_averages(clean, self.peers)
        return self._own(every).merge(averages, on=["code", "measure_group"], how="left")

    def _lines(self, frame: pd.DataFrame, figure: str) -> pd.DataFrame:
        """Min and max over the shown municipalities and the region's (sums over sums) average, per measure group."""
        spread = frame.groupby("label_da", sort=False)[figure].agg(["max", "min"])
        rows = self._region_rows(self.year)
        region = rows[rows["code"] == self.region].set_index("label_da")[figure]
        lines = pd.DataFrame(
            {
                charts.HIGHEST: spread["max"],
                charts.LOWEST: spread["min"],
                self.average_label: region.reindex(spread.index),
            }
        )
        return lines.rename_axis("label_da").reset_index().melt("label_da", var_name="line", value_name="value")

    # -- the region against the others ----------------------------------------------------------------------------------

    def region_table(self) -> pd.io.formats.style.Styler:
        """Expenditure per inhabitant in every region and the whole country, all measure groups (columns: areas)."""
        rows = self._region_rows(self.year)
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

    def region_users_table(self) -> pd.io.formats.style.Styler:
        """The region's user shares and unit costs beside the whole country's, all measure groups."""
        rows = self._region_rows(self.year)
        own = rows[rows["code"] == self.region].set_index("measure_group")
        country = rows[rows["code"] == COUNTRY].set_index("measure_group")
        frame = pd.DataFrame(
            {
                "Indsatsgruppe": own["label_da"],
                f"{self.text['users']}, {self.region_name}": own["users_per_10000"],
                f"{self.text['users']}, {labels.COUNTRY_NAME.lower()}": country["users_per_10000"],
                f"Enhedsudgift, {self.region_name}": own["unit_cost"],
                f"Enhedsudgift, {labels.COUNTRY_NAME.lower()}": country["unit_cost"],
                "Kommuner med brugertal": own["n_reporting_users"],
            }
        )
        if self.region == COUNTRY:
            frame = frame.drop(columns=[c for c in frame if c.endswith(f", {labels.COUNTRY_NAME}")])
        return danish_table(frame.reset_index(drop=True), decimals=1).format(
            precision=0, subset=[c for c in frame if "Enhedsudgift" in c or "Kommuner" in c], thousands=".", decimal=","
        )

    def region_figure(self) -> charts.Figure:
        """Every region's expenditure per inhabitant as an index of the whole country's, all measure groups."""
        rows = self._region_rows(self.year)
        country = rows[rows["code"] == COUNTRY].set_index("measure_group")["expenditure_per_inhabitant"]
        data = rows[rows["code"] != COUNTRY].assign(
            value=lambda f: f["expenditure_per_inhabitant"],
            index=lambda f: 100 * f["value"] / f["measure_group"].map(country),
        )
        data = data[data["index"].notna()][
            ["code", "name", "measure_group", "label_da", "sort_order", "value", "index"]
        ]
        chart = charts.region_index(
            data,
            self.region,
            f"Udgift {self.text['per']} i forhold til hele landet, {self.year}",
            f"Udgift {self.text['per']}, kr.",
        )
        return charts.Figure(chart, data, self.file_name("regioner", self.year), headers=self.headers(regional=True))

    def development_table(self) -> pd.io.formats.style.Styler:
        """The region's expenditure per inhabitant at the start of the long series, the period and now, and the changes."""
        frame = self.regions[self.regions["code"].isin([self.region, COUNTRY])]
        period = benchmark.change(frame, self.period_start, self.year)
        long = benchmark.change(frame, self.long_series_start, self.year)
        own = self.regions[(self.regions["code"] == self.region) & (self.regions["year"] == self.year)][
            ["measure_group", "label_da"]
        ]

        def get(frame: pd.DataFrame, code: str, column: str) -> pd.Series:
            return own["measure_group"].map(frame[frame["code"] == code].set_index("measure_group")[column])

        table = pd.DataFrame(
            {
                "Indsatsgruppe": own["label_da"],
                f"{self.long_series_start}, kr.": get(long, self.region, "expenditure_per_inhabitant_start"),
                f"{self.period_start}, kr.": get(period, self.region, "expenditure_per_inhabitant_start"),
                f"{self.year}, kr.": get(period, self.region, "expenditure_per_inhabitant_end"),
                f"Ændring {self.period_start}-{self.year}, pct.": get(
                    period, self.region, "expenditure_per_inhabitant_change_pct"
                ),
                f"Ændring {self.long_series_start}-{self.year}, pct.": get(
                    long, self.region, "expenditure_per_inhabitant_change_pct"
                ),
                f"{labels.COUNTRY_NAME}, ændring {self.period_start}-{self.year}, pct.": get(
                    period, COUNTRY, "expenditure_per_inhabitant_change_pct"
                ),
            }
        )
        if self.region == COUNTRY:
            table = table.drop(columns=table.columns[-1])
        pct = [c for c in table if "pct." in c]
        return danish_table(table.reset_index(drop=True)).format(precision=1, subset=pct, decimal=",", thousands=".")

    def regions_development_table(self) -> pd.io.formats.style.Styler:
        """The change over the period in expenditure per inhabitant (fixed prices) for every region and the whole country."""
        period = benchmark.change(self.regions, self.period_start, self.year)
        wide = period.pivot_table(
            index="measure_group", columns="code", values="expenditure_per_inhabitant_change_pct", sort=False
        )
        now = self._region_rows(self.year)
        names = dict(zip(now["code"], now["name"]))
        groups = now.drop_duplicates("measure_group").sort_values("sort_order")
        table = pd.DataFrame({"Indsatsgruppe": groups["label_da"].to_numpy()})
        for code in [c for c in dict.fromkeys(now["code"]) if c != COUNTRY] + [COUNTRY]:
            table[names[code]] = wide[code].reindex(groups["measure_group"]).to_numpy() if code in wide else None
        return danish_table(table).format(
            precision=1, subset=list(table.columns[1:]), decimal=",", thousands=".", na_rep=""
        )

    def group_table(self, measure_group: str) -> pd.DataFrame:
        """One measure group as benchmark reviewers read it: every municipality of the region with the three key figures
        in the report year and their change over the period, then the lowest, the highest and the region's average.

        Cells are Danish text: `..` hidden (small user counts and their complements), `–` left out for a data-quality
        finding, empty where no users were reported."""
        figures = benchmark.FIGURES
        years = (self.period_start, self.year)
        now = self.municipal_year()
        now = now[now["measure_group"] == measure_group]
        change = benchmark.change(self._own(self.municipal[self.municipal["measure_group"] == measure_group]), *years)
        frame = now[["code", "name", "measure_group", "protection", *figures]].merge(
            change.drop(columns="measure_group"), on="code", how="left"
        )
        frame = frame.sort_values("name", key=lambda names: names.map(danish_key), kind="stable", ignore_index=True)
        columns = [*figures, *(f"{f}_change_pct" for f in figures)]
        decimals = {"users_per_10000": 1} | {f"{f}_change_pct": 1 for f in figures}
        start = self.municipal[
            (self.municipal["year"] == self.period_start) & (self.municipal["measure_group"] == measure_group)
        ]
        start_protection = dict(zip(start["code"], start["protection"]))
        text, low, high = pd.DataFrame({"name": frame["name"]}), {}, {}
        for column in columns:
            kept, _ = exclusions.apply(frame, self.excluded, years if column.endswith("_change_pct") else (self.year,))
            left_out = ~frame["code"].isin(kept["code"])
            values = frame[column].where(~left_out)
            protected = frame["protection"].ne("") | (
                frame["code"].map(start_protection).fillna("").ne("") & column.endswith("_change_pct")
            )
            hidden = protected & values.isna() & ~column.startswith("expenditure")
            cells = pd.Series([format_number(v, decimals.get(column, 0)) for v in values], frame.index, object)
            text[column] = cells.mask(hidden, labels.HIDDEN).mask(left_out, "–")
            low[column], high[column] = values.min(), values.max()
        own = self.regions[self.regions["code"] == self.region]
        region_now = own[(own["year"] == self.year) & (own["measure_group"] == measure_group)].iloc[0]
        region_change = benchmark.change(own[own["measure_group"] == measure_group], *years).iloc[0]
        average = {c: region_now[c] if c in figures else region_change[c] for c in columns}
        for name, row in (("Laveste", low), ("Højeste", high), (self.average_label, average)):
            text.loc[len(text)] = [name] + [format_number(row[c], decimals.get(c, 0)) for c in columns]
        return text.rename(columns=self.headers())

    def group_tables(self) -> Block:
        """Every measure group's table (group_table) under its own heading, with what the markers mean."""
        groups = self._region_rows(self.year).drop_duplicates("measure_group").sort_values("sort_order")
        parts = [  # each group folded (the whole country's are 101 rows each), opened for print
            Block(
                f'<details class="group"><summary><h3>{escape(label)}</h3></summary>',
                danish_table(self.group_table(group), title=label).set_table_attributes('class="benchmark-group"'),
                "</details>",
            )
            for group, label in zip(groups["measure_group"], groups["label_da"])
        ]
        legend = (
            f'<p class="legend">{labels.HIDDEN}: skjult af hensyn til persondata: tallet bygger på færre end {labels.SMALL} '
            f"brugere, eller det ville sammen med andre tal i rapporten gøre det muligt at regne et sådant antal ud. "
            "–: udeladt på grund af et fund i datakvalitetskontrollen (se afsnittet om datakvalitet). Tomt felt: kommunen har "
            f"ikke indberettet brugere. Laveste og højeste er blandt de viste kommuner; {self.average_name} er summer over "
            "kommunerne (udgift i alt delt med indbyggere i alt).</p>"
        )
        return Block(*parts, legend)

    def development_figure(self) -> charts.Figure:
        """Expenditure per inhabitant in fixed prices over the long series, regions and the whole country."""
        data = self.regions[
            ["code", "name", "year", "measure_group", "label_da", "sort_order", "expenditure_per_inhabitant"]
        ]
        chart = charts.development_lines(
            data,
            "expenditure_per_inhabitant",
            self.region,
            (self.period_start, self.year),
            f"Udgift {self.text['per']} {self.long_series_start}-{self.year}, faste {self.price_base_year}-priser",
            f"Udgift {self.text['per']}, kr.",
        )
        return charts.Figure(
            chart,
            data,
            self.file_name("udvikling", self.long_series_start, self.year),
            headers=self.headers(regional=True),
        )

    # -- the municipalities -----------------------------------------------------------------------------------------------

    def municipal_figure(self, figure: str) -> charts.Figure:
        """Bars per municipality for a key figure in the report year, with min/max/average lines and peer averages."""
        frame = self.municipal_year()
        shown, notes = exclusions.apply(
            frame,
            self.excluded,
            (self.year,),
            value=figure,
            labels=self.labels,
            expected=self.members,
            missing_reason=MISSING[figure],
        )
        lines = self._lines(shown, figure)
        data = shown[["code", "name", "measure_group", "label_da", "sort_order", figure, f"peer_{figure}"]]
        data = data.merge(lines.pivot(index="label_da", columns="line", values="value").reset_index(), on="label_da")
        axis = {
            "expenditure_per_inhabitant": f"Udgift {self.text['per']}, kr.",
            "users_per_10000": self.text["users"],
            "unit_cost": "Enhedsudgift, kr. pr. bruger",
        }[figure]
        fmt = charts.RATE if figure == "users_per_10000" else charts.KR
        chart = charts.municipal_bars(
            data, lines, figure, f"{axis.split(',')[0]}, {self.year}", axis, fmt, peer=f"peer_{figure}"
        )
        return charts.Figure(
            chart,
            data,
            self.file_name(f"kommuner {labels.FIGURE_LABELS_LONG[figure]}", self.year),
            notes,
            self.headers(),
        )

    def municipal_change_figure(self, figure: str) -> charts.Figure:
        """Change in percent of a key figure per municipality over the period (fixed prices)."""
        years = (self.period_start, self.year)
        ch = benchmark.change(self.municipal, *years)
        frame = self._own(ch).merge(
            self.municipal[["code", "name", "measure_group", "label_da", "sort_order"]].drop_duplicates(),
            on=["code", "measure_group"],
        )
        shown, notes = exclusions.apply(
            frame,
            self.excluded,
            years,
            value=f"{figure}_change_pct",
            labels=self.labels,
            expected=self.members,
            missing_reason=f"{MISSING[figure]} i {self.period_start} eller {self.year}",
        )
        value = f"{figure}_change_pct"
        data = shown[
            ["code", "name", "measure_group", "label_da", "sort_order", f"{figure}_start", f"{figure}_end", value]
        ]
        title = f"{labels.FIGURE_LABELS[figure]} {self.text['per'] if figure == 'expenditure_per_inhabitant' else ''}".strip()
        chart = charts.change_bars(
            data, value, f"Ændring i {title.lower()} {self.period_start}-{self.year}", "Ændring, pct."
        )
        return charts.Figure(
            chart,
            data,
            self.file_name(f"kommuner ændring {labels.FIGURE_LABELS_LONG[figure]}", self.period_start, self.year),
            notes,
            self.headers(),
        )

    def decomposition_figure(self) -> charts.Figure:
        """Each municipality's change in expenditure per inhabitant split into user share, unit cost and population mix."""
        years = (self.period_start, self.year)
        parts = benchmark.decompose_changes(self.municipal, *years)
        grid = self._own(self.municipal[self.municipal["year"] == self.year])[
            ["code", "name", "measure_group", "label_da", "sort_order"]
        ]
        frame = grid.merge(parts, on=["code", "measure_group"], how="left")
        shown, notes = exclusions.apply(
            frame,
            self.excluded,
            years,
            value="change_pct",
            labels=self.labels,
            expected=self.members,
            missing_reason=f"brugertal eller enhedsudgift mangler i {self.period_start} eller {self.year}",
        )
        data = shown[["code", "name", "measure_group", "label_da", "change_pct", *charts.DECOMPOSITION_PARTS]]
        order = list(dict.fromkeys(shown.sort_values("sort_order", kind="stable")["label_da"]))
        chart = charts.decomposition_bars(
            data,
            f"Ændring i udgift {self.text['per']} {self.period_start}-{self.year} fordelt på brugerandel og enhedsudgift",
            order,
        )
        return charts.Figure(
            chart, data, self.file_name("dekomponering", self.period_start, self.year), notes, self.headers()
        )

    def funnel_figure(self) -> charts.Figure:
        """Users per 10,000 against population with control limits from the whole country's pooled share."""
        year = self.municipal[(self.municipal["year"] == self.year) & self.municipal["users"].notna()]
        clean, _ = exclusions.apply(year, self.excluded, (self.year,))
        points, limits = [], []
        for (group, label), rows in clean.groupby(["measure_group", "label_da"], sort=False):
            rows = rows[rows["user_population"] > 0]
            if rows.empty:
                continue
            average, band = funnel_limits(rows["users"], rows["user_population"])
            side = outside_limits(rows["users"], rows["user_population"])
            band = (
                band.assign(average=average)
                .melt("population", var_name="limit", value_name="value")
                .rename(columns={"population": "user_population"})
            )
            band["level"] = (
                band["limit"]
                .str.replace("lower_", "")
                .str.replace("upper_", "")
                .map({"95": charts.LIMIT_95, "99.8": charts.LIMIT_998, "average": charts.COUNTRY_AVERAGE})
            )
            limits.append(
                band.assign(
                    label_da=label, value=band["value"].round(2), user_population=band["user_population"].round()
                )
            )
            points.append(rows.assign(side=side, label_da=label, measure_group=group))
        pts = pd.concat(points, ignore_index=True)
        pts = pts[pts["users_per_10000"].notna()]  # small counts are blanked: a dot would reveal them
        pts = pts.assign(
            user_population=pts["user_population"].round(), users_per_10000=pts["users_per_10000"].round(2)
        )
        pts["outside"] = pts["side"].map({1: "over", -1: "under", 0: "inden for"})
        pts["where"] = (
            pts["code"]
            .isin(self.members)
            .map({True: self.region_name if self.region != COUNTRY else "Kommuner", False: charts.OTHER_MUNICIPALITIES})
        )
        data = pts[["code", "name", "label_da", "sort_order", "user_population", "users_per_10000", "outside", "where"]]
        data = data.sort_values("where", ascending=False, kind="stable")  # the region's dots drawn last, on top
        chart = charts.funnel(
            data,
            pd.concat(limits, ignore_index=True),
            self.region,
            f"Tragtplot: brugere pr. 10.000 {self.text['user_population']}, {self.year}",
            self.text["users"],
        )
        _, notes = exclusions.apply(
            year[year["code"].isin(self.members)],
            self.excluded,
            (self.year,),
            expected=self.members,
            value="users_per_10000",
            labels=self.labels,
            missing_reason="intet brugertal",
        )
        return charts.Figure(chart, data, self.file_name("tragtplot", self.year), notes, self.headers())

    def funnel_outliers(self, measure_group: str = TOTAL) -> tuple[list[str], list[str]]:
        """The region's municipalities above and below the 99,8 % limits for a measure group's user share."""
        year = self.municipal[
            (self.municipal["year"] == self.year)
            & (self.municipal["measure_group"] == measure_group)
            & self.municipal["users"].notna()
            & (self.municipal["user_population"] > 0)
        ]
        side = outside_limits(year["users"], year["user_population"])
        own = year["code"].isin(self.members)
        return sorted(year.loc[own & (side == 1), "name"], key=danish_key), sorted(
            year.loc[own & (side == -1), "name"], key=danish_key
        )

    # -- peers, quality and conclusions ---------------------------------------------------------------------------------

    def peer_table(self) -> pd.io.formats.style.Styler:
        """Each of the region's municipalities with its peer group and its expenditure against the peers' (total)."""
        own = self.municipal_year()
        total = own[own["measure_group"] == TOTAL].set_index("code")
        groups = self.peers[self.peers["municipality_code"].isin(self.members)]
        listed = groups.sort_values("rank").groupby("municipality_code")["peer_name"].agg(", ".join)
        frame = pd.DataFrame(
            {
                "Kommune": pd.Series(self.members),
                "Sammenlignelige kommuner": listed,
                f"Udgift {self.text['per']}, kr.": total["expenditure_per_inhabitant"],
                "Gns. sammenlignelige kommuner, kr.": total["peer_expenditure_per_inhabitant"],
            }
        )
        return danish_table(
            frame.sort_values("Kommune", key=lambda names: names.map(danish_key)).reset_index(drop=True)
        )

    def quality(self) -> pd.DataFrame:
        """The findings of the key-figure checks for the region's municipalities in the area (every year, the definition the
        data-quality report counts by: data_quality.flagged), plus peer extremes and the analyst's exclusions."""
        own = self.findings[self.findings["municipality_code"].isin(self.members)]
        found = own[
            own["municipality_name"].isin(data_quality.flagged(own, self.area))
            & own["finding"].isin(data_quality.KEY_FIGURE_FINDINGS)
            & (own["area"] == self.area)
        ]
        frame = found.rename(columns={"municipality_code": "code", "municipality_name": "name"})[
            ["finding", "code", "name", "year", "description"]
        ]
        averages = benchmark.peer_averages(self.municipal[self.municipal["year"] == self.year], self.peers)
        extreme = describe_peer_extremes(
            benchmark.peer_extremes(self._own(self.municipal[self.municipal["year"] == self.year]), averages)
        )
        manual = pd.DataFrame(
            [
                {"finding": "manual", "code": e.code, "name": e.name, "year": None, "description": e.reason}
                for e in self.excluded
                if e.kind == "manual"
            ],
            columns=frame.columns,
        )
        frame = pd.concat([frame, extreme.assign(finding="peer_extreme")[frame.columns], manual], ignore_index=True)
        frame = frame.assign(
            finding=frame["finding"].map(labels.FINDING_LABELS),
            year=frame["year"].astype("Int64").astype("str").replace("<NA>", ""),
        )
        return frame.sort_values(["name", "year", "finding"], ignore_index=True)

    def quality_table(self) -> pd.io.formats.style.Styler:
        return danish_table(
            self.quality().drop(columns="code"),
            {"finding": "Fund", "name": "Kommune", "year": "År", "description": "Beskrivelse"},
        )

    def conclusions(self) -> list[str]:
        """The main conclusions as Danish sentences with the figures."""
        per, group_labels = self.text["per"], self.labels
        now = self._region_rows(self.year).set_index(["code", "measure_group"])
        own, country = now.loc[(self.region, TOTAL)], now.loc[(COUNTRY, TOTAL)]
        subject = labels.COUNTRY_NAME if self.region == COUNTRY else self.region_name
        out = [
            conclusions.level_sentence(
                subject,
                per,
                self.year,
                own["expenditure_per_inhabitant"],
                None if self.region == COUNTRY else country["expenditure_per_inhabitant"],
            )
        ]
        own_rows = self.regions[self.regions["code"] == self.region]
        ch = benchmark.change(own_rows, self.period_start, self.year).set_index("measure_group")
        parts = benchmark.decompose_changes(own_rows, self.period_start, self.year).set_index("measure_group")
        out.append(
            conclusions.change_sentence(
                per,
                self.period_start,
                self.year,
                self.price_base_year,
                ch.loc[TOTAL, "expenditure_per_inhabitant_change_pct"],
                parts.loc[TOTAL].to_dict() if TOTAL in parts.index else None,
            )
        )
        base = ch[ch.index.map(lambda g: g in set(self.regions.loc[self.regions["kind"] == "base", "measure_group"]))]
        kr = (base["expenditure_per_inhabitant_end"] - base["expenditure_per_inhabitant_start"]).dropna()
        if not kr.empty:
            driver = kr.abs().idxmax()
            out.append(conclusions.driver_sentence(per, group_labels[driver], kr[driver]))
        frame = self.municipal_year()
        shown, _ = exclusions.apply(
            frame[frame["measure_group"] == TOTAL], self.excluded, (self.year,), value="expenditure_per_inhabitant"
        )
        if len(shown) > 1:
            hi, lo = (
                shown.loc[shown["expenditure_per_inhabitant"].idxmax()],
                shown.loc[shown["expenditure_per_inhabitant"].idxmin()],
            )
            out.append(
                conclusions.spread_sentence(
                    per,
                    self.year,
                    (hi["name"], hi["expenditure_per_inhabitant"]),
                    (lo["name"], lo["expenditure_per_inhabitant"]),
                    own["expenditure_per_inhabitant"],
                    self.average_name,
                )
            )
        above, below = self.funnel_outliers()
        out.append(conclusions.funnel_sentence(group_labels[TOTAL].lower(), above, below))
        out.append(self.findings_sentence())
        return out

    def findings_sentence(self) -> str:
        """How many of the region's municipalities have findings in the area's key figures: the number the data-quality
        report gives (data_quality.flagged), and, apart from it, the municipalities far from their peers."""
        flagged = data_quality.flagged(self.findings[self.findings["municipality_code"].isin(self.members)], self.area)
        text = (
            f"{opening_share(len(flagged), len(self.members), 'kommuner')} har fund i datakvalitetskontrollen af "
            f"nøgletallene for "
            f"{labels.AREA_NAMES_LOWER[self.area]}, som i rapporten om datakvalitet"
        )
        text += "; de står i afsnittet om datakvalitet." if flagged else "."
        quality = self.quality()
        peers = set(quality.loc[quality["finding"] == labels.FINDING_LABELS["peer_extreme"], "name"]) - set(flagged)
        if peers:
            text += (
                f" Desuden ligger {count(len(peers), 'kommune', 'kommuner')} over det dobbelte eller under halvdelen af "
                "udgiften i deres "
                "sammenlignelige kommuner (også i afsnittet om datakvalitet)."
            )
        return text

    def check(self) -> None:
        """Assert the report reconciles: the region's figures are sums over its municipalities; the decomposition adds up.

        Run as the last cell of the notebooks, so every batch run and every nbval run re-checks the key figures.
        """
        own = self._own(self.municipal)
        pooled = benchmark.pooled(own, ["year", "measure_group"]).set_index(["year", "measure_group"])
        mart = self.regions[self.regions["code"] == self.region].set_index(["year", "measure_group"])
        suppressed = own.groupby(["year", "measure_group"])["protection"].apply(lambda p: p.ne("").any())
        for figure in benchmark.FIGURES:
            got, want = pooled[figure], mart[figure].reindex(pooled.index)
            if (
                figure != "expenditure_per_inhabitant"
            ):  # hidden user counts leave municipalities out of the pooled figures
                got, want = got[~suppressed.reindex(got.index)], want[~suppressed.reindex(want.index)]
            diff = (got - want).abs() > 1e-6 * want.abs().clip(lower=1)
            if diff.any():
                raise AssertionError(
                    f"{figure}: region figures are not sums over its municipalities for {list(got[diff].index)[:3]}"
                )
        parts = benchmark.decompose_changes(own, self.period_start, self.year)
        gap = (parts["change_pct"] - parts[["user_share_pct", "unit_cost_pct", "population_mix_pct"]].sum(axis=1)).abs()
        if (gap > 1e-9).any():
            raise AssertionError("the decomposition parts do not add up to the change")


def describe_peer_extremes(extreme: pd.DataFrame) -> pd.DataFrame:
    """Peer extremes (analysis.benchmark.peer_extremes) with a Danish sentence each, as the quality table lists them."""
    return extreme.assign(
        description=[
            f"{r.name} {r.year}, {r.label_da}: {format_number(r.expenditure_per_inhabitant)} kr. pr. indbygger, "
            f"{format_number(r.ratio, 1)} gange gennemsnittet for de sammenlignelige kommuner ({format_number(r.peer_expenditure_per_inhabitant)} kr.)"
            for r in extreme.itertuples()
        ]
    )


MISSING = {
    "expenditure_per_inhabitant": "ingen udgift opgjort",
    "users_per_10000": "intet brugertal",
    "unit_cost": "ingen enhedsudgift, brugertal mangler",
}


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
    """Read the marts for one report: regions and municipalities over the long series, peers and findings."""
    region, year, period_start, long_series_start = (
        str(region).zfill(3),
        int(year),
        int(period_start),
        int(long_series_start),
    )
    price_base_year = int(price_base_year or year)
    if not long_series_start <= period_start < year:
        raise ValueError(
            f"need long series start <= period start < year, got {long_series_start}, {period_start}, {year}"
        )
    regions = marts.benchmark_series(area, long_series_start, year, price_base_year, level="region")
    if region not in set(regions["code"]):
        raise ValueError(
            f"unknown region {region!r}; use {COUNTRY} (whole country) or one of {', '.join(sorted(set(regions['code']) - {COUNTRY}))}"
        )
    municipal, regions = benchmark.protect_users(
        marts.benchmark_series(area, long_series_start, year, price_base_year), regions, marts.measure_groups(area)
    )
    names = dict(zip(municipal["code"], municipal["name"]))
    members = {
        c: n
        for c, n, r in municipal[["code", "name", "region_code"]].drop_duplicates().itertuples(index=False)
        if region == COUNTRY or r == region
    }
    region_name = regions.loc[regions["code"] == region, "name"].iloc[0]
    findings = marts.findings(with_municipality=True)
    excluded = exclusions.manual(exclude or {}, names) + exclusions.from_findings(findings[findings["area"] == area])
    return RegionalBenchmark(
        area,
        region,
        region_name,
        year,
        period_start,
        long_series_start,
        price_base_year,
        regions,
        municipal,
        members,
        peer_groups(marts.peer_features(year), peers),
        findings,
        excluded,
    )
