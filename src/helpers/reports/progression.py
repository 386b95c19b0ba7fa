"""The progression report (notebooks/progression.ipynb): its tables and figures in Danish, small numbers protected.

Every count under 5 is shown as `<5` and a complementary cell as `..`, shares and means on under 5 cases
are left out, and estimates on under 10 cases are marked `*` (see helpers.tables.protected). Charts and CSV
downloads are built from the protected tables, so they cannot reveal what the tables hide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

import altair as alt
import numpy as np
import pandas as pd
from IPython.display import Markdown

from helpers import labels
from helpers.analysis import progression
from helpers.analysis.disclosure import complementary
from helpers.render import charts
from helpers.render.formats import danish_key, format_number
from helpers.render.tables import LEGEND, danish_table, protected
from helpers.warehouse import marts

NUMBER_WORDS = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv")


def number_word(n: int) -> str:
    """A count as Danish readers write small ones in a sentence ("ti kommuner"); from 13 as digits."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else format_number(n)


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


def vum_masks(
    transitions: dict[tuple[int, int], pd.DataFrame], first_scores: pd.Series
) -> tuple[dict[tuple[int, int], pd.DataFrame], pd.Series]:
    """Which VUM counts the page must hide, as one system over the figure and the tables that share its numbers.

    `transitions`: each pair's cases by start score (rows) and outcome (columns), progression.vum_transitions;
    `first_scores`: cases by VUM score at the first registration (the VUM table's "Sager"). A reader knows each start
    score's cases (the VUM table), each pair's cases (registrations 2 and 3 in the key figures) and all cases, so the
    equations are: a start score's cases = its outcomes from registration 1 to 2 + its cases with one registration
    only; a pair's cases = all its cells; all cases = the cases with a 2nd registration + those with one only = the
    start scores' cases. Counts of 1-4 (also the unpublished cases with one registration) are hidden, and
    complements where an equation would give one back (analysis.disclosure), never the totals the key figures show;
    only the cells that must be are hidden, so a start score keeps its other outcomes. Returns each pair's mask and the start scores' mask (for the table).
    """
    first = (1, 2)
    values: list[float] = []

    def cells(frame: pd.DataFrame) -> pd.DataFrame:
        start = len(values)
        values.extend(frame.to_numpy(dtype=float).ravel())
        return pd.DataFrame(
            np.arange(start, len(values)).reshape(frame.shape), index=frame.index, columns=frame.columns
        )

    at = {pair: cells(table) for pair, table in transitions.items()}
    starts = first_scores.astype(float)
    onward = transitions[first].sum(axis=1).reindex(starts.index, fill_value=0)
    single = cells((starts - onward).to_frame()).iloc[
        :, 0
    ]  # cases with no 2nd registration, by start score (never shown)
    score = cells(starts.to_frame()).iloc[:, 0]
    totals = {pair: cells(pd.DataFrame([[table.to_numpy().sum()]])).iat[0, 0] for pair, table in transitions.items()}
    everyone = cells(pd.DataFrame([[starts.sum()]])).iat[0, 0]
    equations = [[score[s], single[s], *(at[first].loc[s] if s in at[first].index else [])] for s in starts.index]
    equations += [[totals[pair], *at[pair].to_numpy().ravel()] for pair in transitions]
    equations += [[everyone, totals[first], *single], [everyone, *score]]
    counts = np.asarray(values)
    shown = np.zeros(len(counts), dtype=bool)  # the totals stand in the key figures: complements are found elsewhere
    shown[[everyone, *totals.values()]] = True
    mask = complementary(counts, equations, labels.is_small(pd.Series(counts)).to_numpy(), fixed=shown)
    masks = {pair: at[pair].map(lambda i: bool(mask[i])) for pair in transitions}
    return masks, score.map(lambda i: bool(mask[i]))


@dataclass
class ProgressionReport:
    """One progression report: the registrations of the cases chosen, and names for municipalities."""

    registrations: pd.DataFrame
    scores: pd.DataFrame
    names: dict[str, str]
    hourly_rate: float

    def _styled(self, frame: pd.DataFrame, labels: dict[str, str]) -> pd.io.formats.style.Styler:
        return danish_table(frame.rename(columns=labels))

    def scope(self) -> Markdown:
        """Whose cases the report holds, in words: "all municipalities" are those that report registrations."""
        codes = sorted(set(self.registrations["municipality_code"]), key=lambda c: danish_key(self.names.get(c, c)))
        names = [self.names.get(c, c) for c in codes]
        cases = self.registrations["case_id"].nunique()
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
        if len(names) == 1:
            return Markdown(f"Rapporten omfatter {format_number(cases)} sager fra {listed}.")
        return Markdown(
            f"Rapporten omfatter alle kommuner, der har indberettet progressionsregistreringer: {number_word(len(names))} "
            f"kommuner ({listed}) med i alt {format_number(cases)} sager. De øvrige kommuner indberetter ikke og indgår "
            "ikke; tallene er derfor ikke et billede af hele landet."
        )

    def key_figures(self) -> pd.io.formats.style.Styler:
        """Cases, follow-up, goals set and goals met, with n; goals met split by the registration they were set at, in
        rows that add up to the total."""
        s = progression.summary(self.registrations)
        overall = progression.goal_fulfilment(self.registrations).iloc[0]
        first = progression.first_registrations(self.registrations)
        steps = progression.goal_fulfilment_by_step(self.registrations).set_index("group")
        later_met, later_n = int(overall["met"] - steps["met"].sum()), int(overall["n"] - steps["n"].sum())
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
                    for step, r in steps.iterrows()
                ),
                {  # the "heraf" rows add up to the row above them: the goals of the later steps are one row
                    "measure": f"Heraf mål sat ved {len(steps) + 1}. registrering eller senere",
                    "count": later_met,
                    "n": later_n,
                    "share": 100 * later_met / later_n if later_n else float("nan"),
                },
            ]
        )
        total = frame.index[frame["measure"].str.startswith("Mål helt")][0]
        shown = protected(
            frame,
            ["count", "n"],
            shares={"share": ("count", "n")},
            decimals={"share": 1},
            row_sums=[[total, *range(total + 1, len(frame))]],  # a reader can subtract the parts from the whole
        )
        return self._styled(shown, {"measure": "Nøgletal", "count": "Antal", "n": "Ud af (n)", "share": "Andel, pct."})

    def goal_types(self) -> pd.io.formats.style.Styler:
        """Goal types set at the first registration, per service."""
        first = progression.first_registrations(self.registrations)
        first = first[first["goals_set"]]
        table = pd.crosstab(first["goal_type"].fillna("ukendt").map(GOAL_LABELS), first["service"].map(SERVICE_LABELS))
        table = table.reset_index().rename(columns={"goal_type": "Måltype"})
        counts = [c for c in table.columns if c != "Måltype"]
        return danish_table(protected(table, counts, column_totals=True))

    @cached_property
    def _vum(self) -> tuple[dict, dict, pd.DataFrame, pd.Series]:
        """The VUM counts the page shows, protected together (vum_masks): each pair's transitions and mask, the
        first registrations by score (key '2', '3.5', 'not_assessed') with cases, target scores, and the mask of cases."""
        first = progression.first_registrations(self.registrations)
        first = first.assign(
            key=first["vum_score"].map(lambda v: "not_assessed" if pd.isna(v) else progression.score_key(v))
        )
        table = first.groupby("key").agg(
            cases=("case_id", "count"), with_target=("target_vum", "count"), target=("target_vum", "mean")
        )
        keys = sorted((k for k in table.index if k != "not_assessed"), key=float) + ["not_assessed"] * (
            "not_assessed" in table.index
        )
        table = table.reindex(keys)
        transitions = {(a, b): progression.vum_transitions(self.registrations, a, b) for a, b in progression.PAIRS}
        masks, cases = vum_masks(transitions, table["cases"])
        return transitions, masks, table, cases

    def vum_and_target(self) -> pd.io.formats.style.Styler:
        """VUM score at the first registration: cases and the average target score set for them."""
        _, _, table, hidden = self._vum
        table = table.reset_index()
        table["key"] = table["key"].map(lambda k: "Ikke vurderet" if k == "not_assessed" else k.replace(".", ","))
        shown = protected(
            table,
            ["cases", "with_target"],
            column_totals=True,
            means={"target": "with_target"},
            decimals={"target": 2},
            pairs=[("with_target", "cases")],  # cases minus those with a target: the ones without one
            hidden=pd.DataFrame({"cases": hidden.to_numpy()}),  # protected with the figure of transitions
        )
        return self._styled(
            shown,
            {
                "key": "VUM ved første registrering",
                "cases": "Sager",
                "with_target": "Sager med målscore",
                "target": "Gns. målscore",
            },
        )

    def transitions_figure(self) -> charts.Figure:
        """VUM outcome from registration 1 to 2 and 2 to 3 per start score, as stacked bars of the counts that can be
        shown; a hidden count is marked beside its start score's bar ("Forværret <5"), never silently left out."""
        transitions, masks, _, _ = self._vum
        outcomes = list(progression.OUTCOMES)
        rows, protected_rows, marks = [], [], []
        for (a, b), table in transitions.items():
            mask = masks[(a, b)]
            for key, counts in table.iterrows():
                score = "ikke vurderet" if key == "not_assessed" else key.replace(".", ",")
                row = f"{a} til {b}: VUM {score}"
                hidden, small = mask.loc[key], labels.is_small(counts)
                text = {
                    o: (labels.SMALL_TEXT if small[o] else labels.HIDDEN) if hidden[o] else format_number(counts[o])
                    for o in outcomes
                }
                protected_rows.append({"pair": f"Registrering {a} til {b}", "start_score": score, **text})
                rows += [
                    {
                        "pair": f"Registrering {a} til {b}",
                        "start_score": score,
                        "row": row,
                        "outcome": OUTCOME_LABELS[o],
                        "cases": counts[o],
                    }
                    for o in outcomes
                    if not hidden[o] and counts[o] > 0
                ]
                if hidden.any():  # beside the bar, at the end of what it shows
                    said = " · ".join(f"{OUTCOME_LABELS[o]} {text[o]}" for o in outcomes if hidden[o])
                    marks.append({"row": row, "shown": float(counts[~hidden].sum()), "hidden": said})
        order = [
            f"{a} til {b}: VUM {'ikke vurderet' if k == 'not_assessed' else k.replace('.', ',')}"
            for (a, b), t in transitions.items()
            for k in t.index
        ]
        long = pd.DataFrame(rows, columns=["pair", "start_score", "row", "outcome", "cases"])
        widest = max(10.0, float(long.groupby("row")["cases"].sum().max()) if len(long) else 0.0)  # whole-case ticks
        y = alt.Y("row:N", title="Registreringer: VUM-score før", sort=order, scale=alt.Scale(domain=order))
        bars = (
            alt.Chart(charts.rounded(long))
            .mark_bar()
            .encode(
                x=alt.X(
                    "cases:Q",
                    title="Sager",
                    axis=alt.Axis(**charts.COUNT_AXIS),
                    scale=alt.Scale(domain=[0, widest]),  # from 0, also when every count of the page is hidden
                ),
                y=y,
                color=alt.Color(
                    "outcome:N",
                    title="VUM ved næste registrering",
                    sort=list(OUTCOME_LABELS.values()),
                    scale=alt.Scale(
                        domain=list(OUTCOME_LABELS.values()), range=["#1b7837", "#bbbbbb", "#b2182b", "#f0e442"]
                    ),
                ),
                order=alt.Order("outcome_order:Q"),
                tooltip=[
                    alt.Tooltip("pair:N", title="Registreringer"),
                    alt.Tooltip("start_score:N", title="VUM"),
                    alt.Tooltip("outcome:N", title="Udvikling"),
                    alt.Tooltip("cases:Q", title="Sager", format=",.0f"),
                ],
            )
            .transform_calculate(
                outcome_order=f"indexof({json.dumps(list(OUTCOME_LABELS.values()), ensure_ascii=False)}, datum.outcome)"
            )
        )
        marked = (
            alt.Chart(pd.DataFrame(marks, columns=["row", "shown", "hidden"]))
            .mark_text(align="left", dx=6, fontStyle="italic", color="#44515e")
            .encode(
                x="shown:Q",
                y=y,
                text="hidden:N",
                tooltip=[alt.Tooltip("hidden:N", title="Skjult af hensyn til persondata")],
            )
        )
        chart = alt.layer(bars, marked).properties(
            title="Udvikling i VUM-score fra registrering til registrering", width=520
        )
        data = pd.DataFrame(protected_rows).rename(
            columns={**OUTCOME_LABELS, "pair": "Registreringer", "start_score": "VUM"}
        )
        notes = [
            LEGEND,
            "Ved siden af en søjle står de udviklinger, der er skjult (fx Forværret <5): under 5, eller skjult (..), så "
            "et tal under 5 ikke kan regnes ud fra de øvrige tal i rapporten. Søjlen viser de øvrige; alle tal står i "
            "CSV-filen.",
        ]
        if long.empty:
            notes.append(
                "Hvert tal i figuren er skjult: der er for få sager til at vise udviklingen pr. VUM-score. Rapporten for "
                f"{labels.ALL_MUNICIPALITIES_NAME.lower()} viser den for alle kommunerne under ét."
            )
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
        keep = safe["fully_or_partially"] != ""
        # the chart gets only what it draws and says: the share, its interval and n (beside each row, as the text promises)
        shown = table.loc[keep, ["group", "n", "fully_or_partially", "low", "high"]].assign(
            n_text="n = "
            + safe.loc[keep, "n"]
            + safe.loc[keep, "fully_or_partially"].str.endswith(" *").map({True: " *", False: ""})
        )
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
        counts = base.mark_text(align="left", dx=10, color="#44515e").encode(
            x=alt.datum(100), text="n_text:N", tooltip=tooltip
        )  # at the right edge of the axis, one per row
        chart = alt.layer(bars, points, counts).properties(
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
        # what the cost is computed from, in the table itself (and so in the workbook): the hourly rate is a parameter
        basis = {
            SERVICE_LABELS["sel_85"]: f"timer pr. måned x 12 x {format_number(self.hourly_rate)} kr. (timepris)",
            SERVICE_LABELS["sel_107"]: "døgntakst x 365",
        }
        shown.insert(2, "basis", shown["service"].map(basis))
        return self._styled(
            shown,
            {
                "basis": "Udgift pr. år regnet som",
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
    hourly_rate: float | None = None,
) -> ProgressionReport:
    """Read the registrations and parameter scores of the cases chosen (whole cases; the first registration decides).

    `hourly_rate`: kr. per § 85 hour for the cost of support (not in the registrations); the notebook's parameter."""
    if hourly_rate is None or float(hourly_rate) <= 0:
        raise ValueError(f"hourly_rate: give the kr. per § 85 hour the costs are computed with, not {hourly_rate!r}")
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
