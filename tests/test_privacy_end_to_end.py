"""Issue 14 (5b), the attack test: extracts in the shapes municipal systems deliver, with CPR numbers in every spelling
and every column (CPR column, case id, provider, caseworker, legal basis, measure, status, notes, name columns, a header
cell, a title line, a file without a header, bad values, a missing column) and names, phone numbers and notes beside
them, go through ingest, build, forecast, forecast-diff, progression and the reports, run as the user runs them. Then
everything written (warehouse: every text column of every table and view; quarantine, JSON, HTML with its packed data
and CSV links, XLSX) and everything printed is scanned for every planted CPR number, in any spelling, and every name."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import html
import json
import os
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from helpers import paths
from helpers.intake import privacy
from helpers.render.charts import LOADER_MARK

KEY = "end-to-end-attack-key"
MUNICIPALITY = "479"  # Svendborg, Region Syddanmark

# Every CPR number planted, by where it is planted (DDMMYY + 4 digits, dates valid; a few shaped like real ones)
CITIZEN_A = "0101084195"  # the CPR column in every spelling
CPRS = {
    "citizen_a": CITIZEN_A,
    "citizen_b": "1503852347",  # shaped like a real one
    "citizen_c": "2407721158",
    "citizen_d": "0302054012",
    "citizen_e": "0911994420",
    "case_id_whole": "0202104006",  # a CPR used as the case id
    "case_id_inside": "0506064447",  # a case id holding a CPR: 'SAG 050606-4447'
    "case_id_nine_digits": "0807084218",  # a case id typed in Excel: 807084218
    "title_line": "0909244007",
    "header_cell": "0808224005",
    "foster_parent": "1203701234",
    "foster_parent_xlsx": "1306711236",
    "provider_nine_digits": "0405061238",  # a number cell in the workbook: 405061238
    "caseworker": "0303123998",
    "legal_basis": "0404144001",
    "measure": "0505164002",
    "status": "1510154011",
    "note": "0606184003",
    "name_column": "0707204004",
    "bad_date": "1212124009",
    "bad_amount": "1410144010",
    "bad_month": "1611164012",
    "no_header": "1101114008",
    "missing_column_header": "1709174016",
    "file_name": "1808184017",  # an extract named after a citizen: transitions_180818-4017.csv
    "extra_cell": "1102034455",  # a cell past the header's width
    "missing_column_row": "1810184017",
    "actuals_case_id": "1911194018",
    "transition_measure": "1707174013",
    "transition_citizen": "2008054019",
    "initiator": "1808184014",
    "closing_reason": "1909194015",
    "means_of_support": "2109214021",
    "registration_citizen": "2211994022",
    "registration_case_id": "2312894023",
    "registration_xlsx": "0112904024",
}
NAMES = (
    "Ingeborgina",
    "Zylberstein",
    "Ingeborgina Zylberstein",
    "29384756",
    "2938 4756",
    "ingeborgina@example.dk",
    "Kvistgårdsvej 17",
    "Bekymringsskrivelse fra skolen",
    "Weekendaflastning hos moster",
    "Samtale med moster Gudrunella",
    "Hyacintha",
    "Brøndumsgaard",
    "61728394",
)


def _dashed(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


def _spellings(cpr: str) -> str:
    """Any spelling of one CPR number: DDMMYY, then a hyphen, a dash, spaces or nothing, then the 4 digits; and the
    9 digits left when a leading zero is lost."""
    body = rf"{cpr[:6]}[\s\-\u2010-\u2015]*{cpr[6:]}"
    nine = rf"|(?<![0-9]){cpr[1:]}(?![0-9])" if cpr.startswith("0") else ""
    return rf"(?<![0-9]){body}(?![0-9]){nine}"


PLANTED = {where: re.compile(_spellings(cpr)) for where, cpr in CPRS.items()}
# One pass over a text finds every CPR-shaped number (DDMMYY, separators or none, 4 digits; or 9 digits), each then
# looked up among the planted ones: as `PLANTED` finds them, at a tenth of the CPU time of one regex with an alternative
# per planted number (11 CPU seconds of the suite went there).
CPR_SHAPED = re.compile(r"(?<![0-9])(?:(\d{6})[\s\-\u2010-\u2015]*(\d{4})|(\d{9}))(?![0-9])")
PLANTED_DIGITS = {cpr: where for where, cpr in CPRS.items()}
PLANTED_NINE = {cpr[1:]: where for where, cpr in CPRS.items() if cpr.startswith("0")}


def _leaks(text: str) -> list[str]:
    """What of the planted CPR numbers and names a text holds, with a little context."""

    def context(start: int, end: int) -> str:
        return f"...{text[max(0, start - 60) : end + 20]!r}..."

    found = []
    for m in CPR_SHAPED.finditer(text):
        where = PLANTED_NINE.get(m[3]) if m[3] else PLANTED_DIGITS.get(m[1] + m[2])
        if where:
            found.append((m.start(), f"{where}: {context(m.start(), m.end())}"))
    for n, name in enumerate(NAMES):
        start = text.find(name)
        while start >= 0:
            found.append((start, f"name{n}: {context(start, start + len(name))}"))
            start = text.find(name, start + len(name))
    return [leak for _, leak in sorted(found)]


# ---------------------------------------------------------------- the corpus


def _csv(path: Path, lines: list[list[str]], top: str = "", encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(top + "\n".join(";".join(cells) for cells in lines) + "\n", encoding=encoding)


PERSON_HEADERS = [
    "Fornavn",
    "Efternavn",
    "Navn",
    "BorgerMobil",
    "Telefon",
    "E-mail",
    "Adresse",
    "Bemærkning",
    "Notat",
    "Tilbudsbeskrivelse",
]
PERSON_CELLS = [
    "Ingeborgina",
    "Zylberstein",
    f"Ingeborgina Zylberstein {_dashed(CPRS['name_column'])}",
    "29384756",
    "+45 2938 4756",
    "ingeborgina@example.dk",
    "Kvistgårdsvej 17, 5700 Svendborg",
    f"ring til {CPRS['note'][:6]}–{CPRS['note'][6:]}",
    "Bekymringsskrivelse fra skolen",
    "Weekendaflastning hos moster",
]
CASE_HEADER = [
    "Sags ID",
    "CPR-nr.",
    *PERSON_HEADERS,
    "Ydelsesvariant",
    "Lovhjemmel",
    "Takst",
    "Frekvens",
    "Ydelse startdato",
    "Ydelse slutdato",
    "Status",
    "Leverandør",
    "Leverandørtype",
    "Sagsbehandler",
    "Målgruppe",
    f"Noter {_dashed(CPRS['header_cell'])}",
]


def _case(
    case_id: str,
    cpr: str,
    measure: str = "Anbringelse i plejefamilie",
    rate: str = "20.000,00",
    unit: str = "md.",
    start: str = "01.01.2024",
    end: str = "",
    status: str = "Aktiv",
    provider: str = "Egen kommune",
    caseworker: str = "CT83",
    legal: str = "SEL § 52, stk. 3, nr. 7",
    people: list[str] | None = None,
) -> list[str]:
    return [
        case_id,
        cpr,
        *(people or PERSON_CELLS),
        measure,
        legal,
        rate,
        unit,
        start,
        end,
        status,
        provider,
        "",
        caseworker,
        "",
        f"se {_dashed(CPRS['note'])}",
    ]


def _cases_september() -> list[list[str]]:
    a, c = CPRS, CITIZEN_A
    return [
        ["Udtræk fra DUBU: bevilgede ydelser"] + [""] * (len(CASE_HEADER) - 1),
        [f"Bestilt af sagsbehandler {_dashed(a['title_line'])} den 30.09.2024"] + [""] * (len(CASE_HEADER) - 1),
        CASE_HEADER,
        _case(
            "S1",
            _dashed(c),
            provider=f"Plejefar {_dashed(a['foster_parent'])}",
            caseworker=_dashed(a["caseworker"]),
            legal=f"SEL § 52 jf. {_dashed(a['legal_basis'])}",
        ),
        _case(
            "S2",
            f"{c[:6]}\u2013{c[6:]}",
            measure="Familiepleje",
            rate="5.000,00",
            provider=f"Plejemor {a['foster_parent']}",
        ),
        _case("S3", f"{c[:6]} {c[6:]}", measure="Aflastning", rate="2.000,00"),
        _case("S4", f" {c} ", measure="Døgninstitution", rate="1.500,00", unit="døgn", end="31.12.2024"),
        _case("S5", c[1:], measure="sel_107", rate="1.000,00", unit="døgn", start="01.03.2024"),
        _case(_dashed(a["case_id_whole"]), "", measure="sel_108", rate="1.200,00", unit="døgn"),
        _case(f"SAG {_dashed(a['case_id_inside'])}", "", measure="sel_85_bostoette", rate="9.000,00"),
        _case(a["case_id_nine_digits"][1:], "", measure="sel_103", rate="7.000,00"),
        _case(
            "S6", _dashed(a["citizen_b"]), measure=f"Aflastning {a['measure'][:6]} {a['measure'][6:]}", rate="3.000,00"
        ),
        _case("S7", _dashed(a["citizen_c"]), measure="Familiebehandling", rate="4.000,00", status=_dashed(a["status"])),
        _case("S8", _dashed(a["citizen_d"]), start=_dashed(a["bad_date"])),
        _case("S9", _dashed(a["citizen_e"]), rate=f"ca. {_dashed(a['bad_amount'])}"),
        _case(
            "S1",
            _dashed(c),
            provider=f"Plejefar {_dashed(a['foster_parent'])}",
            caseworker=_dashed(a["caseworker"]),
            legal=f"SEL § 52 jf. {_dashed(a['legal_basis'])}",
        ),  # a duplicate: quarantined with its raw row
        _case("S10", _dashed(a["citizen_e"]), measure="sel_107", rate="1.000,00", unit="døgn")
        + ["Ingeborgina Zylberstein", _dashed(a["extra_cell"])],  # more cells than the header: quarantined
    ]


def _cases_august(path: Path) -> None:
    """The month before, as a workbook behind a cover sheet: CPR numbers as number cells, one with its leading zero lost."""
    book = Workbook()
    cover = book.active
    cover.title = "Forside"
    cover.append([f"Udtræk for borger {_dashed(CPRS['title_line'])}"])
    sheet = book.create_sheet("Data")
    sheet.append(CASE_HEADER)
    people = ["Hyacintha", "Brøndumsgaard", "Hyacintha Brøndumsgaard", 61728394, "61728394", "", "", "", "", ""]
    rows = [
        (
            "S1",
            int(CITIZEN_A),
            "Anbringelse i plejefamilie",
            20000,
            int(CPRS["foster_parent_xlsx"]),
            int(CPRS["caseworker"]),
        ),
        ("S2", float(CPRS["citizen_b"]), "Familiepleje", 5000, f"Plejefar {CPRS['foster_parent_xlsx']}", "CT83"),
        ("S3", f" {CPRS['citizen_c']} ", "Aflastning", 2500, int(CPRS["provider_nine_digits"]), "CT83"),
        (int(CPRS["case_id_nine_digits"]), None, "sel_103", 7000, "Egen kommune", "CT83"),
    ]
    for case_id, cpr, measure, rate, provider, caseworker in rows:
        sheet.append(
            [
                case_id,
                cpr,
                *people,
                measure,
                "",
                rate,
                "md.",
                dt.datetime(2024, 1, 1),
                None,
                "Aktiv",
                provider,
                "",
                caseworker,
                "",
                "",
            ]
        )
    book.save(path)


def _cases_a_year_before() -> list[list[str]]:
    """A year earlier (so the packs have last year's figures), as a Windows file: the en dash is byte 0x96 there."""
    c = CITIZEN_A
    return [
        CASE_HEADER,
        _case("S1", f"{c[:6]}\u2013{c[6:]}", start="01.01.2023"),
        _case(
            "S2",
            _dashed(CPRS["citizen_b"]),
            measure="sel_107",
            rate="1.000,00",
            unit="døgn",
            start="01.03.2023",
            end="31.05.2024",
            provider=f"Plejefar {_dashed(CPRS['foster_parent'])}",
        ),
    ]


def _actuals() -> list[list[str]]:
    a, c = CPRS, CITIZEN_A
    header = [
        "Personnummer",
        "Sagsnummer",
        "Fornavn",
        "Efternavn",
        "BorgerMobil",
        "Bemærkning",
        "Ydelse",
        "Bogføringsperiode",
        "Bogført beløb",
    ]
    people = ["Ingeborgina", "Zylberstein", "29384756", f"ring til {_dashed(a['note'])}"]
    return [
        header,
        [_dashed(c), "", *people, "Familiepleje", "202401", "20.000,00"],
        [f"{c[:6]}\u2013{c[6:]}", "", *people, "Familiepleje", "2024-02", "20.000,00"],
        [c[1:], "", *people, "Familiepleje", "2024/03", "20.000,00"],
        [f" {c} ", "", *people, "sel_107", "2024-04", "30.000,00"],
        ["", _dashed(a["actuals_case_id"]), *people, "Familiepleje", "2024-04", "1.000,00"],
        [_dashed(a["citizen_b"]), "", *people, f"Aflastning {_dashed(a['measure'])}", "2024-05", "3.000,00"],
        [_dashed(a["citizen_c"]), "", *people, "Familiebehandling", _dashed(a["bad_month"]), "4.000,00"],
    ]


def _transitions() -> list[list[str]]:
    a = CPRS
    header = [
        "CPR-nr.",
        "Sagsnummer",
        "Fornavn",
        "Efternavn",
        "Telefon",
        "Notat",
        "Fødselsdato",
        "Forventet_overgang",
        "Efterværn",
        "Sandsynlighed",
        "Farve",
        "Forventet_ydelse",
        "Årlig_udgift",
    ]
    people = ["Ingeborgina", "Zylberstein", "+45 2938 4756", "Samtale med moster Gudrunella"]
    return [
        header,
        [
            _dashed(a["transition_citizen"]),
            "",
            *people,
            "20.08.2005",
            "20.08.2025",
            "ja",
            "0,5",
            "gul",
            f"sel_107 {_dashed(a['transition_measure'])}",
            "150.000,00",
        ],
        [f" {a['citizen_d']} ", "", *people, "03.02.2005", "03.02.2026", "nej", "1", "rød", "sel_108", "200.000,00"],
        ["", _dashed(a["case_id_whole"]), *people, "", "01.06.2026", "ja", "0", "grøn", "", "0,00"],
    ]


def _registrations() -> list[list[str]]:
    a = CPRS
    header = [
        "CPR-nr.",
        "Sagsnummer",
        "Fornavn",
        "Efternavn",
        "BorgerMobil",
        "Bemærkning",
        "Kommunekode",
        "Registreringsnummer",
        "Registreringsdato",
        "Ydelse",
        "VUM",
        "Mål opsat",
        "Måltype",
        "Tidligere mål opfyldt",
        "Igangsat af",
        "Leverandørtype",
        "Målgruppe",
        "Køn",
        "Alder",
        "Timer pr. måned",
        "means_of_support",
        "Afslutningsårsag",
    ]
    people = ["Ingeborgina", "Zylberstein", "29384756", f"ring til {_dashed(a['note'])}"]
    citizens = [
        _dashed(a["registration_citizen"]),
        f"{a['citizen_b'][:6]}\u2013{a['citizen_b'][6:]}",
        f"{a['citizen_c'][:6]} {a['citizen_c'][6:]}",
        a["citizen_e"],
        f" {_dashed(a['transition_citizen'])} ",
        "",
    ]
    rows = [header]
    for n, cpr in enumerate(citizens):
        case_id = _dashed(a["registration_case_id"]) if not cpr else ""
        for no, (year, vum, met) in enumerate(((2017, "3", ""), (2018, "2", "Delvist"), (2019, "2", "Helt")), start=1):
            rows.append(
                [
                    cpr,
                    case_id,
                    *people,
                    MUNICIPALITY,
                    str(no),
                    f"0{n + 1}.03.{year}",
                    "§ 85",
                    vum,
                    "Ja",
                    "Forbedring",
                    met,
                    f"Rådgiver {_dashed(a['initiator'])}" if n == 0 else "myndighed",
                    "Egen kommune",
                    "Sindslidelse",
                    "",
                    str(25 + 7 * n),
                    str(40 - 10 * no),
                    f"kontanthjælp, se {_dashed(a['means_of_support'])}" if n == 1 else "",
                    f"Flyttet, se {_dashed(a['closing_reason'])}" if no == 3 and n == 2 else "",
                ]
            )
    return rows


def _registrations_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Personnummer",
            "Navn",
            "Kommunekode",
            "Registreringsnummer",
            "Registreringsdato",
            "Ydelse",
            "VUM",
            "Mål opsat",
            "Alder",
        ]
    )
    for no, year in ((1, 2018), (2, 2019)):
        sheet.append(
            [
                int(CPRS["registration_xlsx"]),
                "Hyacintha Brøndumsgaard",
                int(MUNICIPALITY),
                no,
                dt.datetime(year, 5, 1),
                "§ 85",
                3 - no,
                "Ja",
                27 + no,
            ]
        )
    book.save(path)


def _budget() -> list[list[str]]:
    return [
        ["municipality_code", "year", "area", "measure", "amount", "cases", "average_price"],
        [MUNICIPALITY, "2024", "children", "familiepleje", "400.000,00", "2", "200.000,00"],
        [MUNICIPALITY, "2024", "children", "aflastning", "50.000,00", "1", "50.000,00"],
        [MUNICIPALITY, "2024", "adults", "sel_107", "300.000,00", "1", "300.000,00"],
        [MUNICIPALITY, "2024", "adults", "sel_108", "400.000,00", "1", "400.000,00"],
    ]


def _population() -> list[list[str]]:
    rows = [["OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD"]]
    for period in ("2023K1", "2024K1"):
        for age in range(0, 100):
            rows += [[MUNICIPALITY, sex, str(age), period, "300"] for sex in ("1", "2")]
    return rows


def write_corpus(data: Path) -> dict[str, tuple[str, Path]]:
    """The extracts under data/sample with their manifest; returns {name: (kind, path)} of those the CLI ingests one by one."""
    sample = data / "sample"
    folder = sample / "cases" / "479_svendborg"
    files: dict[str, tuple[str, Path, str]] = {
        "cases_sep": ("cases", folder / "cases_2024-09-30.csv", "2024-09-30"),
        "cases_aug": ("cases", folder / "cases_2024-08-31.xlsx", "2024-08-31"),
        "cases_2023": ("cases", folder / "cases_2023-09-30.csv", "2023-09-30"),
        "actuals": ("actuals", folder / "actuals.csv", ""),
        "transitions": ("transitions", folder / f"transitions_{CPRS['file_name'][:6]}-{CPRS['file_name'][6:]}.csv", ""),
        "budget": ("budget", folder / "budget.csv", ""),
        "registrations": ("registrations", sample / "progression" / "registrations_479.csv", ""),
        "registrations_xlsx": ("registrations", sample / "progression" / "registrations_479_b.xlsx", ""),
        "population": ("population", sample / "population" / "folk1a.csv", ""),
        "no_header": ("cases", folder / "cases_2024-07-31.csv", "2024-07-31"),
        "missing_column": ("cases", folder / "cases_2024-06-30.csv", "2024-06-30"),
    }
    _csv(files["cases_sep"][1], _cases_september(), top="sep=;\n")
    _cases_august(files["cases_aug"][1])
    _csv(files["cases_2023"][1], _cases_a_year_before(), encoding="cp1252")
    _csv(files["actuals"][1], _actuals())
    _csv(files["transitions"][1], _transitions())
    _csv(files["budget"][1], _budget())
    _csv(files["registrations"][1], _registrations())
    _registrations_xlsx(files["registrations_xlsx"][1])
    _csv(files["population"][1], _population())
    _csv(
        files["no_header"][1],
        [[_dashed(CPRS["no_header"]), "Ingeborgina", "sel_107", "1.000,00", "døgn", "01.01.2024"]],
    )
    _csv(
        files["missing_column"][1],
        [
            ["CPR-nr.", "Fornavn", f"Noter {_dashed(CPRS['missing_column_header'])}", "Takst"],
            [_dashed(CPRS["missing_column_row"]), "Ingeborgina", "x", "1.000,00"],
        ],
    )
    manifest = ["file,kind,bytes,sha256,municipality_code,snapshot_date"]
    for kind, path, snapshot in files.values():
        manifest.append(
            f"{path.relative_to(sample).as_posix()},{kind},0,,{MUNICIPALITY if kind != 'population' else ''},{snapshot}"
        )
    (sample / paths.MANIFEST).write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return {name: (kind, path) for name, (kind, path, _) in files.items()}


# ---------------------------------------------------------------- the run

# the reports that read the personal-data kinds, as a municipality renders its own: case-level forecast, the packs with
# caseworkers, providers and expensive cases, progression, and its region's data quality with its quarantined rows and
# failed extracts
REPORTS = ("--municipality", MUNICIPALITY, "--only", "forecast", "progression", "indicators", "data_quality")
# many commands in one process, each as `python -m helpers` runs it (its own stdout, stderr and exit code: conftest's
# helpers_cli), to save an interpreter start per command; a process of its own, beside the reports' (argv: the tests'
# folder, the commands)
COMMANDS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from conftest import helpers_cli
done = [helpers_cli(*argv) for _, argv in json.loads(sys.argv[2])]
print(json.dumps([[d.returncode, d.stdout, d.stderr] for d in done]))
"""


class Run:
    """Everything the commands printed, with the command line, and the data folder they wrote into."""

    def __init__(self, data: Path, files: dict[str, tuple[str, Path]]) -> None:
        self.data, self.files = data, files
        self.printed: list[tuple[str, str]] = []
        self.results: dict[str, subprocess.CompletedProcess] = {}

    def cli(self, name: str, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
        """Run `python -m helpers ARGS` (or a script) on the data folder with the test key, keeping what it printed."""
        command = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "helpers", *args]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=self.data.parent,
            env={
                **os.environ,
                "HELPERS_PSEUDONYM_KEY": KEY,
                "HELPERS_DATA_DIR": str(self.data),
                "HELPERS_MAPPINGS_DIR": str(self.data / "local" / "mappings"),
            },
        )
        self.printed += [(f"{name} stdout", done.stdout), (f"{name} stderr", done.stderr)]
        self.results[name] = done
        return done

    def commands(self, jobs: list[tuple[str, tuple[str, ...]]]) -> None:
        """Run many CLI commands in one subprocess, each with its own output and exit code."""
        batch = self.cli("commands", str(Path(__file__).parent), json.dumps(jobs), script=COMMANDS)
        for (name, _), (code, stdout, stderr) in zip(jobs, json.loads(batch.stdout), strict=True):
            self.printed += [(f"{name} stdout", stdout), (f"{name} stderr", stderr)]
            self.results[name] = subprocess.CompletedProcess(name, code, stdout, stderr)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    data = tmp_path_factory.mktemp("attack") / "data"
    files = write_corpus(data)
    out = Run(data, files)
    out.cli("build", "build", "--show", "50")
    out.cli(
        "ingest no_header", "ingest", "--kind", "cases", "--file", str(files["no_header"][1])
    )  # two as a user types them
    out.cli("ingest --json cases_sep", "ingest", "--kind", "cases", "--file", str(files["cases_sep"][1]), "--json")
    personal = {n: f for n, f in files.items() if f[0] not in ("budget", "population")}
    jobs = [
        (f"ingest {n}", ("ingest", "--kind", kind, "--file", str(path), "--quarantine", str(data / f"q_{n}.csv")))
        for n, (kind, path) in personal.items()
        if n != "no_header"
    ]
    jobs += [
        (f"ingest --json {n}", ("ingest", "--kind", kind, "--file", str(path), "--json"))
        for n, (kind, path) in personal.items()
        if n != "cases_sep"
    ]
    jobs += [
        (
            "ingest --keep",
            (
                "ingest",
                "--kind",
                "cases",
                "--file",
                str(files["cases_sep"][1]),
                "--keep",
                "Bemærkning",
                "--keep",
                CASE_HEADER[-1],
                "--json",
            ),
        ),  # a header cell holding a CPR number
        (
            "mappings",
            (
                "mappings",
                "--suggest",
                "--kind",
                "cases",
                "--file",
                str(files["cases_sep"][1]),
                "--out",
                str(data / "forslag.csv"),
            ),
        ),
        (
            "forecast --cases",
            (
                "forecast",
                "--cases",
                str(files["cases_sep"][1]),
                "--actuals",
                str(files["actuals"][1]),
                "--year",
                "2024",
                "--json",
            ),
        ),
        ("forecast --cases text", ("forecast", "--cases", str(files["cases_sep"][1]), "--year", "2024")),
        (
            "forecast-diff",
            (
                "forecast-diff",
                "--before",
                str(files["cases_aug"][1]),
                "--after",
                str(files["cases_sep"][1]),
                "--year",
                "2024",
                "--json",
            ),
        ),
        (
            "forecast-diff text",
            (
                "forecast-diff",
                "--before",
                str(files["cases_aug"][1]),
                "--after",
                str(files["cases_sep"][1]),
                "--year",
                "2024",
            ),
        ),
        (
            "progression",
            (
                "progression",
                "--registrations",
                str(files["registrations"][1]),
                str(files["registrations_xlsx"][1]),
                "--json",
            ),
        ),
        ("progression text", ("progression", "--registrations", str(files["registrations"][1]))),
        *(
            (f"forecast {area}", ("forecast", "--municipality", MUNICIPALITY, "--area", area, "--json"))
            for area in ("children", "adults")
        ),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:  # the reports and the commands side by side
        reports = pool.submit(out.cli, "reports", "reports", *REPORTS, "--out", str(data / "reports"))
        out.commands(jobs)
        reports.result()
    return out


# ---------------------------------------------------------------- reading what was written


def _packed_texts(text: str) -> list[str]:
    """Every gzip+base64 blob of a page (chart data sets, CSV downloads, the bundle), unpacked."""
    out = []
    for blob in re.findall(r"H4sI[A-Za-z0-9+/=]{8,}", text):
        try:
            out.append(gzip.decompress(base64.b64decode(blob)).decode("utf-8", errors="replace"))
        except (OSError, ValueError):
            continue
    for blob in re.findall(r"data:[^,\"']*;base64,([A-Za-z0-9+/=]+)", text):  # data: links (a CSV download written out)
        out.append(base64.b64decode(blob).decode("utf-8", errors="replace"))
    return out


def _xlsx_text(path: Path) -> str:
    """Every cell of every sheet, and the workbook's raw XML (shared strings, comments, properties)."""
    book = load_workbook(path, read_only=True)
    cells = [
        str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v is not None
    ]
    book.close()
    with zipfile.ZipFile(path) as archive:
        xml = [archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist() if n.endswith(".xml")]
    return "\n".join(cells + xml)


def _file_text(path: Path) -> str:
    """What a file written by the run says, readably: XLSX cells, HTML with its packed data, text files as text."""
    raw = path.read_bytes()
    if path.suffix == ".xlsx":
        return _xlsx_text(path)
    if path.suffix in (".duckdb", ".wal", ".pkl") or raw.startswith(b"PK"):
        return ""  # the warehouse is read through DuckDB below; the staged pickles are the ingestion results cached
    text = raw.decode("utf-8", errors="replace")
    if path.suffix == ".html":  # the Vega bundle (library code, the same on every page) left out, all else unpacked
        text = html.unescape(
            "".join(p for p in re.split(r"(<script>.*?</script>)", text, flags=re.S) if LOADER_MARK not in p)
        )
        text += "\n".join(_packed_texts(text))
    return text


def _warehouse_text(path: Path) -> list[tuple[str, str]]:
    """Every text value of every table and view of the warehouse, by table and column."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'TEXT') or data_type like 'VARCHAR%' or data_type like '%[]' "
            "or data_type like 'STRUCT%' or data_type like 'MAP%' order by table_name, column_name"
        ).fetchall()
        out = []
        for table, column in columns:
            values = con.execute(
                f'select distinct cast("{column}" as varchar) from "{table}" where "{column}" is not null'
            ).fetchall()
            out.append((f"{table}.{column}", "\n".join(v[0] for v in values)))
        return out
    finally:
        con.close()


def _staged_text(path: Path) -> str:
    """A cached ingestion result of the build (data/staged): its accepted and quarantined rows and its summary."""
    import pickle

    with path.open("rb") as fh:
        result = pickle.load(fh)
    return result.accepted.astype(str).to_csv() + result.rejected.to_csv() + json.dumps(result.summary(), default=str)


def _written(data: Path) -> list[tuple[str, str]]:
    """Every file the run wrote under the data folder, as text to scan (the corpus itself left out)."""
    out = []
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        if (data / "sample") in path.parents:
            continue
        if path.suffix == ".pkl":
            out.append((str(path.relative_to(data)), _staged_text(path)))
        elif path.suffix == ".duckdb":
            out += [(f"{path.name}: {where}", text) for where, text in _warehouse_text(path)]
        else:
            out.append((str(path.relative_to(data)), _file_text(path)))
    return out


# ---------------------------------------------------------------- the checks


def test_the_corpus_plants_every_cpr_and_name_it_scans_for():
    texts = "\n".join(
        "\n".join(";".join(map(str, row)) for row in rows)
        for rows in (_cases_september(), _actuals(), _transitions(), _registrations())
    )
    found = {where for where, pattern in PLANTED.items() if pattern.search(texts)}
    assert found >= set(CPRS) - {
        "case_id_nine_digits",
        "no_header",
        "missing_column_header",
        "missing_column_row",
        "foster_parent_xlsx",
        "provider_nine_digits",
        "registration_xlsx",
        "file_name",
    }
    assert all(_leaks(name) for name in NAMES)  # a scan must find what was planted, or it proves nothing
    spelled = [
        _dashed(CITIZEN_A),
        f"{CITIZEN_A[:6]}\u2013{CITIZEN_A[6:]}",
        f"{CITIZEN_A[:6]} {CITIZEN_A[6:]}",
        CITIZEN_A,
        CITIZEN_A[1:],
        f"{CITIZEN_A[1:]}.0",
    ]
    assert all(PLANTED["citizen_a"].search(s) for s in spelled)
    assert all(_leaks(f"x{s}y") == [f"citizen_a: ...'x{s}y'..."] for s in spelled)  # the scan finds each spelling
    assert all(_leaks(f"SAG {CPRS[w][:6]} {CPRS[w][6:]}.") for w in CPRS)  # and every planted number
    assert not _leaks(f"1{CITIZEN_A} {CITIZEN_A}1 {CITIZEN_A[:6]}-xxxx 1234567890")  # digits around: not that number
    assert not PLANTED["citizen_a"].search(f"{CITIZEN_A[:6]}-xxxx") and not PLANTED["citizen_a"].search("1" + CITIZEN_A)


def test_the_commands_ran_and_refused_only_the_broken_files(run):
    codes = {name: done.returncode for name, done in run.results.items()}
    broken = {"ingest no_header", "ingest --json no_header", "ingest missing_column", "ingest --json missing_column"}
    assert {n for n, c in codes.items() if c == 2} == broken, {
        n: run.results[n].stderr[-500:] for n, c in codes.items() if c
    }
    assert codes["build"] == 1
    assert {n: run.results[n].stderr[-800:] for n, c in codes.items() if c and n not in broken | {"build"}} == {}
    assert all("Traceback" not in done.stderr for done in run.results.values())
    rendered = json.loads((run.data / "reports" / "municipality" / "svendborg" / "index.json").read_text())
    assert [r for r in rendered if r["error"]] == [] and {r["report"] for r in rendered} == {
        "forecast",
        "progression",
        "indicators",
        "data_quality",
    }


def test_nothing_printed_holds_a_cpr_name_phone_number_or_note(run):
    leaks = {name: _leaks(text) for name, text in run.printed}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_no_file_written_holds_a_cpr_name_phone_number_or_note(run):
    written = _written(run.data)
    kinds = {Path(name.split(":")[0]).suffix for name, _ in written}
    assert {".html", ".xlsx", ".csv", ".json", ".pkl", ".duckdb"} <= kinds  # every kind of output was scanned
    leaks = {name: _leaks(text) for name, text in written}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_messages_point_at_a_value_with_at_most_ddmmyy_xxxx(run):
    printed = "\n".join(text for _, text in run.printed)
    for where in ("bad_date", "bad_amount", "bad_month", "no_header", "missing_column_header"):
        assert f"{CPRS[where][:6]}-xxxx" in printed, where
    quarantined = (run.data / "quarantine" / "cases.csv").read_text(encoding="utf-8")
    rows = [line for line in quarantined.splitlines()[1:] if "cases_2024-09-30.csv" in line]
    assert len(rows) == 4  # a bad date, a bad amount, a duplicate, a row with more cells than the header
    assert all(
        f"{CPRS[w][:6]}-xxxx" in quarantined for w in ("citizen_a", "citizen_d", "citizen_e", "bad_date", "bad_amount")
    )
    assert ";;;;;;;;;;" in rows[0]  # the ten columns not read (names, phones, notes) are left empty in the raw row


def test_cpr_spellings_become_one_pseudonym_and_cprs_elsewhere_a_pseudonym_or_cpr_placeholder(run):
    con = duckdb.connect(str(run.data / "warehouse.duckdb"), read_only=True)
    try:
        periods = con.execute(
            "select case_id, provider, caseworker, snapshot_date from mart_forecast_case_periods"
        ).df()
        raw = con.execute("select legal_basis, measure_raw, status_raw from raw_cases").df()
    finally:
        con.close()
    september = periods[periods["snapshot_date"].astype(str) == "2024-09-30"]
    citizen = privacy.pseudonymise(CITIZEN_A, KEY.encode())
    assert (september["case_id"] == citizen).sum() == 5  # S1-S5: hyphen, en dash, space, spaces around, 9 digits
    by_snapshot = periods[periods["case_id"] == citizen].groupby(periods["snapshot_date"].astype(str)).size().to_dict()
    # the workbook's number cell with its leading zero lost, and the en dash of a Windows file
    assert by_snapshot == {"2023-09-30": 1, "2024-08-31": 1, "2024-09-30": 5}
    for where in ("case_id_whole", "case_id_inside", "case_id_nine_digits"):
        assert privacy.pseudonymise(CPRS[where], KEY.encode()) in set(periods["case_id"]), where
    assert periods["case_id"].str.fullmatch(r"P[0-9a-f]{16}").all()
    assert {"Plejefar [CPR]", "Plejemor [CPR]", "[CPR]"} <= set(
        periods["provider"]
    )  # the workbook's number cell: [CPR]
    assert "SEL § 52 jf. [CPR]" in set(raw["legal_basis"]) and "Aflastning [CPR]" in set(raw["measure_raw"])
    assert "[CPR]" in set(raw["status_raw"])
    assert periods["caseworker"].str.fullmatch(r"SB-[0-9a-f]{6}").all()


def test_ingest_json_counts_the_replacements_per_column(run):
    summary = json.loads(run.results["ingest --json cases_sep"].stdout)
    replaced = summary["cpr_replaced"]
    assert replaced["Leverandør"] == 3  # S1, S2 (no dash) and the duplicate of S1
    assert replaced["Lovhjemmel"] == 2 and replaced["Ydelsesvariant"] == 1 and replaced["Status"] == 1
    assert replaced["Sags ID"] == 3  # a CPR as the case id, inside a case id, and 9 digits
    # number cells too: a provider as a 10-digit number, as text, as 9 digits; a caseworker and a case id as 9 digits
    assert json.loads(run.results["ingest --json cases_aug"].stdout)["cpr_replaced"] == {
        "Leverandør": 3,
        "Sagsbehandler": 1,
        "Sags ID": 1,
    }
    registrations = json.loads(run.results["ingest --json registrations"].stdout)["cpr_replaced"]
    assert registrations == {"Igangsat af": 3, "means_of_support": 3, "Afslutningsårsag": 1, "Sagsnummer": 3}
    kept = json.loads(run.results["ingest --keep"].stdout)["cpr_replaced"]
    assert kept["Bemærkning"] == len(_cases_september()) - 3  # every data row
    assert kept[f"Noter {CPRS['header_cell'][:6]}-xxxx"] == len(_cases_september()) - 3  # the column named as masked
