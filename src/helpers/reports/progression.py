"""The progression report (notebooks/progression.ipynb): its tables and figures in Danish, small numbers protected.

Every count under 5 is shown as `<5` and a complementary cell as `..`, shares and means on under 5 cases
are left out, and estimates on under 10 cases are marked `*` (see helpers.tables.protected). Charts and CSV
downloads are built from the protected tables, so they cannot reveal what the tables hide.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from helpers import labels
from helpers.analysis import progression
from helpers.render import charts
from helpers.render.tables import LEGEND, danish_table, protected, suppression_mask
from helpers.warehouse import marts

OUTCOME_LABELS = {"improved": "Forbedret", "same": "Uændret", "worse": "Forværret", "not_assessed": "Ikke vurderet"}
GOAL_LABELS = {
    "improvement": "Forbedring",
    "status_quo": "Status quo",
    "limited_deterioration": "Begrænset forværring",
    "ukendt": "Ukendt",
}
SERVICE_LABELS = {"sel_85": "§ 85", "sel_107": "§ 107"}
GROUP_LABELS = {
    "intellectual": "Udviklingshæmning/kognitiv",
    "mental_illness": "Sindslidelse",
    "physical": "Fysisk handicap",
    "social": "Sociale problemer",
}
AGE_BAND_LABELS = {"under_40": "under 40 år", "40_plus": "40 år og derover", "unknown": "alder ukendt"}
GOAL_MET_LABELS = {"met": "mål helt eller delvist nået", "not_met": "mål ikke nået"}
INITIATOR_LABELS = {"myndighed": "Myndighed", "borger": "Borger", "leverandoer": "Leverandør"}


@dataclass
class ProgressionReport:
    """One progression report: the registrations of the cases chosen, and names for municipalities."""

    registrations: pd.DataFrame
    scores: pd.DataFrame
    names: dict[str, str]
    hourly_rate: float

    def _styled(self, frame: pd.DataFrame, labels: dict[str, str]) -> pd.io.formats.style.Styler:
        return danish_table(frame.rename(columns=labels))

    def key_figures(self) -> pd.io.formats.style.Styler:
        """Cases, follow-up, goals set and goals met, with n."""
        s = progression.summary(self.registrations)
        overall = progression.goal_fulfilment(self.registrations).iloc[0]
        first = progression.first_registrations(self.registrations)
        frame = pd.DataFrame(
            [
                {"measure": "Sager", "count": s["cases"], "n": s["cases"], "share": float("nan")},
                {
                    "measure": "Sager med mindst 2 registreringer",
                    "count": s["with_2_registrations"],
                    "n": s["cases"],
                    "share": 100 * s["with_2_registrations"] / s["cases"],
                },
                {
                    "measure": "Sager med mindst 3 registreringer",
                    "count": s["with_3_registrations"],
                    "n": s["cases"],
                    "share": 100 * s["with_3_registrations"] / s["cases"],
                },
                {
                    "measure": "Mål opsat ved første registrering",
                    "count": int(first["goals_set"].sum()),
                    "n": len(first),
                    "share": 100 * first["goals_set"].mean(),
                },
                {
                    "measure": "Mål helt eller delvist nået ved næste registrering",
                    "count": int(overall["met"]),
                    "n": int(overall["n"]),
                    "share": 100 * overall["fully_or_partially"],
                },
                *(
                    {
                        "measure": f"Heraf mål sat ved {step[0]}. registrering, vurderet ved {step[-1]}.",
                        "count": int(r.met),
                        "n": int(r.n),
                        "share": 100 * r.fully_or_partially,
                    }
                    for step, r in progression.goal_fulfilment_by_step(self.registrations).set_index("group").iterrows()
                ),
            ]
        )
        shown = protected(frame, ["count", "n"], shares={"share": ("count", "n")}, decimals={"share": 1})
        return self._styled(shown, {"measure": "Nøgletal", "count": "Antal", "n": "Ud af (n)", "share": "Andel, pct."})

    def goal_types(self) -> pd.io.formats.style.Styler:
        """Goal types set at the first registration, per service."""
        first = progression.first_registrations(self.registrations)
        first = first[first["goals_set"]]
        table = pd.crosstab(first["goal_type"].fillna("ukendt").map(GOAL_LABELS), first["service"].map(SERVICE_LABELS))
        table = table.reset_index().rename(columns={"goal_type": "Måltype"})
        counts = [c for c in table.columns if c != "Måltype"]
        return danish_table(protected(table, counts, column_totals=True))

    def vum_and_target(self) -> pd.io.formats.style.Styler:
        """VUM score at the first registration: cases and the average target score set for them."""
        first = progression.first_registrations(self.registrations)
        first = first.assign(
            vum=first["vum_score"].map(
                lambda v: "Ikke vurderet" if pd.isna(v) else progression.score_key(v).replace(".", ",")
            )
        )
        table = (
            first.groupby("vum", sort=True)
            .agg(cases=("case_id", "count"), with_target=("target_vum", "count"), target=("target_vum", "mean"))
            .reset_index()
        )
        shown = protected(
            table,
            ["cases", "with_target"],
            column_totals=True,
            means={"target": "with_target"},
            decimals={"target": 2},
            pairs=[("with_target", "cases")],
        )  # cases minus those with a target: the ones without one
        return self._styled(
            shown,
            {
                "vum": "VUM ved første registrering",
                "cases": "Sager",
                "with_target": "Sager med målscore",
                "target": "Gns. målscore",
            },
        )

    def transitions_figure(self) -> charts.Figure:
        """VUM outcome from registration 1 to 2 and 2 to 3 per start score, as stacked bars of protected counts."""
        tables = []
        for a, b in progression.PAIRS:
            t = progression.vum_transitions(self.registrations, a, b).reset_index()
            t.insert(0, "pair", f"Registrering {a} til {b}")
            tables.append(t)
        table = pd.concat(tables, ignore_index=True)
        table["start_score"] = table["start_score"].replace("not_assessed", "ikke vurderet").str.replace(".", ",")
        outcomes = list(progression.OUTCOMES)
        mask = suppression_mask(table, outcomes, parts=[outcomes])
        # every start score keeps its bar, marked when some of its cells are hidden (a group is never silently dropped)
        table["row"] = [
            f"{pair.removeprefix('Registrering ')}: VUM {score}" + (" (tal skjult)" if hidden else "")
            for pair, score, hidden in zip(table["pair"], table["start_score"], mask.any(axis=1))
        ]
        long = table.melt(
            id_vars=["pair", "start_score", "row"], value_vars=outcomes, var_name="outcome", value_name="cases"
        )
        long["hidden"] = mask.melt(value_vars=outcomes)["value"].to_numpy()
        long = long[~long["hidden"] & (long["cases"] > 0)].assign(outcome=lambda f: f["outcome"].map(OUTCOME_LABELS))
        rows = list(table["row"])
        chart = (
            alt.Chart(charts.rounded(long))
            .mark_bar()
            .encode(
                x=alt.X("cases:Q", title="Sager", axis=alt.Axis(**charts.COUNT_AXIS)),
                y=alt.Y("row:N", title="Registreringer: VUM-score før", sort=rows, scale=alt.Scale(domain=rows)),
                color=alt.Color(
                    "outcome:N",
                    title="VUM ved næste registrering",
                    sort=list(OUTCOME_LABELS.values()),
                    scale=alt.Scale(
                        domain=list(OUTCOME_LABELS.values()), range=["#1b7837", "#bbbbbb", "#b2182b", "#f0e442"]
                    ),
                ),
                tooltip=[
                    alt.Tooltip("pair:N", title="Registreringer"),
                    alt.Tooltip("start_score:N", title="VUM"),
                    alt.Tooltip("outcome:N", title="Udvikling"),
                    alt.Tooltip("cases:Q", title="Sager", format=",.0f"),
                ],
            )
            .properties(title="Udvikling i VUM-score fra registrering til registrering", width=520)
        )
        table = table.drop(columns="row")
        data = protected(table, outcomes, parts=[outcomes]).rename(
            columns={**OUTCOME_LABELS, "pair": "Registreringer", "start_score": "VUM"}
        )
        notes = [
            LEGEND,
            "(tal skjult): en eller flere af udviklingerne for denne VUM-score er under 5 eller skjult, så de ikke kan "
            "regnes ud; søjlen viser kun de tal, der kan vises. Alle tal står i tabellen (CSV).",
        ]
        return charts.Figure(chart, data, "vum-overgange.csv", notes)

    def fulfilment_figure(self, by: str) -> charts.Figure:
        """Goals fully or partially met by goal type or municipality, with 95 % Wilson intervals and n."""
        table = progression.goal_fulfilment(self.registrations, by)
        labels = GOAL_LABELS if by == "goal_type" else self.names
        table["group"] = table["group"].map(lambda g: labels.get(g, g))
        for col in ("fully_or_partially", "low", "high"):
            table[col] = 100 * table[col]
        safe = protected(
            table,
            ["n", "fully", "partially", "not", "met"],
            parts=[["fully", "partially", "not"]],
            shares={"fully_or_partially": ("met", "n"), "low": ("met", "n"), "high": ("met", "n")},
            decimals={"fully_or_partially": 1, "low": 1, "high": 1},
        )
        shown = table[safe["fully_or_partially"] != ""]
        title = "måltype" if by == "goal_type" else "kommune"
        base = alt.Chart(charts.rounded(shown)).encode(
            y=alt.Y("group:N", title=None, sort=alt.EncodingSortField("fully_or_partially", order="descending"))
        )
        tooltip = [
            alt.Tooltip("group:N", title=title.capitalize()),
            alt.Tooltip("n:Q", title="Vurderede mål (n)", format=",.0f"),
            alt.Tooltip("fully_or_partially:Q", title="Helt eller delvist nået, pct.", format=",.1f"),
            alt.Tooltip("low:Q", title="95 %-interval, fra", format=",.1f"),
            alt.Tooltip("high:Q", title="95 %-interval, til", format=",.1f"),
        ]
        bars = base.mark_rule(strokeWidth=2, color="#5b8db8").encode(
            x=alt.X(
                "low:Q",
                title="Mål helt eller delvist nået, pct. (95 %-interval, Wilson)",
                scale=alt.Scale(domain=[0, 100]),
            ),
            x2="high:Q",
            tooltip=tooltip,
        )
        points = base.mark_point(filled=True, size=80, color="#0b4f6c").encode(
            x="fully_or_partially:Q", tooltip=tooltip
        )
        chart = alt.layer(bars, points).properties(
            title=f"Målopfyldelse pr. {title}", width=520, height=28 * max(len(shown), 1)
        )
        notes = [LEGEND] + [
            f"{g} indgår ikke i figuren: for få vurderede mål til at vise andelen."
            for g in table.loc[safe["fully_or_partially"] == "", "group"]
        ]
        data = safe.rename(
            columns={
                "group": title.capitalize(),
                "n": "Vurderede mål",
                "fully": "Helt",
                "partially": "Delvist",
                "not": "Ikke",
                "met": "Helt eller delvist",
                "fully_or_partially": "Andel, pct.",
                "low": "Interval fra",
                "high": "Interval til",
            }
        )
        return charts.Figure(chart, data, f"maalopfyldelse-pr-{title}.csv", notes)

    def follow_up(self) -> pd.io.formats.style.Styler:
        """Months between registrations (calendar months) per pair, with n."""
        rows = []
        for a, b in progression.PAIRS:
            p = progression.pairs(self.registrations, a, b)
            rows.append({"pair": f"{a}-{b}", "n": len(p), "months": p["months"].mean() if len(p) else float("nan")})
        shown = protected(pd.DataFrame(rows), ["n"], means={"months": "n"}, decimals={"months": 1})
        return self._styled(shown, {"pair": "Registreringer", "n": "Sager (n)", "months": "Gns. måneder imellem"})

    def initiators(self) -> pd.io.formats.style.Styler:
        """Who initiated the follow-up registrations (registration 2 and later)."""
        later = self.registrations[self.registrations["registration_no"] >= 2]
        table = (
            later["initiator"]
            .fillna("ukendt")
            .map(lambda v: INITIATOR_LABELS.get(v, v))
            .value_counts()
            .rename_axis("initiator")
        )
        table = table.reset_index(name="registrations")
        table["share"] = 100 * table["registrations"] / table["registrations"].sum()
        table["total"] = table["registrations"].sum()
        shown = protected(
            table,
            ["registrations"],
            column_totals=True,
            shares={"share": ("registrations", "total")},
            decimals={"share": 1},
        )
        return self._styled(
            shown.drop(columns="total"),
            {"initiator": "Igangsat af", "registrations": "Opfølgninger", "share": "Andel, pct."},
        )

    def support(self, by: str) -> pd.io.formats.style.Styler:
        """§ 85 hours per month and § 107 daily rate at the first registration by VUM, age, target group or municipality."""
        first = progression.first_registrations(self.registrations)
        frame = self.registrations.assign(
            age_band=self.registrations["case_id"].map(first.set_index("case_id")["age_band"])
        )
        table = progression.support_by(frame, by)
        labels = {"target_group": GROUP_LABELS, "municipality_code": self.names, "age_band": AGE_BAND_LABELS}.get(
            by, {}
        )
        table["group"] = table["group"].map(lambda g: labels.get(g, str(g).replace(".", ",")))
        shown = protected(
            table,
            ["n_85", "n_107"],
            column_totals=True,
            means={"hours_per_month": "n_85", "daily_rate": "n_107"},
            decimals={"hours_per_month": 1, "daily_rate": 0},
        )
        heading = {
            "vum_score": "VUM-score",
            "age_band": "Alder",
            "target_group": "Målgruppe",
            "municipality_code": "Kommune",
        }[by]
        return self._styled(
            shown,
            {
                "group": heading,
                "n_85": "§ 85: sager",
                "hours_per_month": "§ 85: timer pr. måned",
                "n_107": "§ 107: sager",
                "daily_rate": "§ 107: døgntakst, kr.",
            },
        )

    def support_change(self) -> pd.io.formats.style.Styler:
        """Change in § 85 hours or § 107 daily rate from one registration to the next, goals met versus not."""
        table = progression.support_change_by_goal(self.registrations)
        table["service"] = table["service"].map(SERVICE_LABELS)
        table["goal"] = table["goal"].map(GOAL_MET_LABELS)
        shown = protected(table, ["n"], means={"change_pct": "n"}, decimals={"change_pct": 1})
        return self._styled(
            shown,
            {
                "service": "Ydelse",
                "goal": "Mål ved næste registrering",
                "n": "Forløb (n)",
                "change_pct": "Ændring i timer/takst, pct.",
            },
        )

    def parameter_scores(self) -> pd.io.formats.style.Styler | None:
        """Average improvement on the 0-4 parameter scores by theme and sex (None when the cases have no scores)."""
        scores = self.scores[self.scores["case_id"].isin(self.registrations["case_id"])]
        if scores.empty:
            return None
        table = progression.parameter_improvement(scores)
        wide = table.pivot(index="theme", columns="sex", values=["n", "improvement"]).reindex(
            columns=["K", "M"], level=1
        )
        wide.columns = [f"{a}_{b}" for a, b in wide.columns]
        wide = wide.reset_index().fillna({"n_K": 0, "n_M": 0})
        wide["theme"] = (
            wide["theme"].str.replace("_", " ").str.replace("ae", "æ").str.replace("oe", "ø").str.capitalize()
        )
        shown = protected(
            wide,
            ["n_K", "n_M"],
            means={"improvement_K": "n_K", "improvement_M": "n_M"},
            decimals={"improvement_K": 2, "improvement_M": 2},
        )
        return self._styled(
            shown[["theme", "n_K", "improvement_K", "n_M", "improvement_M"]],
            {
                "theme": "Tema",
                "n_K": "Kvinder (n)",
                "improvement_K": "Kvinder: gns. forbedring",
                "n_M": "Mænd (n)",
                "improvement_M": "Mænd: gns. forbedring",
            },
        )

    def cost_per_outcome(self) -> pd.io.formats.style.Styler:
        """Cost of support per case-year and per citizen who progressed, by service and municipality."""
        table = progression.cost_per_outcome(self.registrations, self.hourly_rate)
        table["service"] = table["service"].map(SERVICE_LABELS)
        table["municipality_code"] = table["municipality_code"].map(lambda c: self.names.get(c, c))
        shown = protected(
            table,
            ["cases", "improved", "goal_met"],
            means={"cost_per_case_year": "cases", "cost_per_improved": "improved", "cost_per_goal_met": "goal_met"},
            decimals={"case_years": 1},
        )
        shown = shown.drop(columns="cost")
        return self._styled(
            shown,
            {
                "service": "Ydelse",
                "municipality_code": "Kommune",
                "cases": "Sager",
                "case_years": "Sagsår",
                "improved": "VUM forbedret",
                "goal_met": "Mål nået",
                "cost_per_case_year": "Kr. pr. sagsår",
                "cost_per_improved": "Kr. pr. borger med forbedret VUM",
                "cost_per_goal_met": "Kr. pr. borger med nået mål",
            },
        )


def prepare(
    municipality: str = labels.COUNTRY_CODE,
    service: str = "all",
    period_start: str | None = None,
    period_end: str | None = None,
    hourly_rate: float = 500.0,
) -> ProgressionReport:
    """Read the registrations and parameter scores of the cases chosen (whole cases; the first registration decides)."""
    if service not in ("all", "sel_85", "sel_107"):
        raise ValueError(f"service must be all, sel_85 or sel_107, not {service!r}")
    period = (period_start or "1900-01-01", period_end or "2999-12-31")
    registrations = progression.select(marts.progression_registrations(), str(municipality), service, period)
    if registrations.empty:
        raise ValueError(
            f"no progression cases for municipality {municipality}, service {service}, period {period[0]} to {period[1]}"
        )
    scores = marts.parameter_scores()
    names = marts.municipality_names()
    return ProgressionReport(registrations, scores, names, float(hourly_rate))
