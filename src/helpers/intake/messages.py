"""The intake's messages as codes with parameters, and the one catalogue that words them: English for the command line
and the ingest JSON (developers and scripts), Danish for the reports (readers).

Every reason a row is quarantined, every note on a file and every reason a file cannot be read is a `Message`: a code
from CATALOGUE and its parameters. Nothing downstream parses a sentence; the data-quality report renders the Danish
text from the code and the parameters (`Message.danish`). docs/ingestion.md lists the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpers import labels

# The kinds' canonical columns as a Danish reader knows them (for the columns a duplicate key names).
COLUMN_NAMES_DA = {
    "municipality_code": "kommunekode",
    "function": "funktion",
    "account_group": "gruppering",
    "account_kind": "art",
    "year": "år",
    "area": "område",
    "area_code": "område",
    "measure_group": "indsatsgruppe",
    "case_id": "sag",
    "measure": "indsats",
    "month": "måned",
    "registration_no": "registreringsnummer",
    "assessment_date": "vurderingsdato",
    "theme": "tema",
    "start_date": "startdato",
    "age": "alder",
    "sex": "køn",
    "period": "periode",
    "cpr": "CPR-nummer",
    "municipality_name": "kommunenavn",
    "legal_basis": "lovhjemmel",
    "rate": "takst",
    "rate_unit": "takstenhed",
    "count": "antal",
    "unit_price": "pris pr. stk.",
    "end_date": "slutdato",
    "status": "status",
    "probability": "sandsynlighed",
    "provider": "leverandør",
    "caseworker": "sagsbehandler",
    "target_group": "målgruppe",
    "extract_date": "udtræksdato",
    "amount": "beløb",
    "amount_1000_kr": "beløb (1.000 kr.)",
    "amount_kr": "beløb (kr.)",
    "registration_date": "registreringsdato",
    "vum_score": "VUM-score",
    "target_vum": "mål-VUM",
    "previous_goal_met": "tidligere mål opfyldt",
}

# code: (English, Danish). Placeholders name the parameters; `{value}` is the cell as written.
CATALOGUE: dict[str, tuple[str, str]] = {
    # -- a cell that cannot be used (the row is quarantined) --------------------------------------------------------------
    "missing_value": ("missing value", "en påkrævet værdi mangler"),
    "not_a_number": ("not a number: '{value}'", "{value} er ikke et tal"),
    "not_a_whole_number": ("not a whole number: {value}", "{value} er ikke et helt tal"),
    "negative_amount": ("negative amount: '{value}'", "beløbet {value} er negativt"),
    "negative_count": ("negative count: '{value}'", "antallet {value} er negativt"),
    "year_out_of_range": ("year outside {low}-{high}: '{value}'", "året {value} ligger uden for {low}-{high}"),
    "registration_no_out_of_range": (
        "registration number outside {low}-{high}: '{value}'",
        "registreringsnummeret {value} ligger uden for {low}-{high}",
    ),
    "score_out_of_range": ("score outside {low}-{high}: '{value}'", "scoren {value} ligger uden for {low}-{high}"),
    "probability_out_of_range": (
        "probability outside 0-1: '{value}'",
        "sandsynligheden {value} ligger ikke mellem 0 og 1",
    ),
    "not_a_vum_score": (
        "VUM score not in 0, 1, 2, 3, 3.5, 4: '{value}'",
        "VUM-scoren {value} findes ikke (tilladt: 0, 1, 2, 3, 3,5 og 4)",
    ),
    "ambiguous_decimal": (
        "'{value}' can be read with a decimal comma or a decimal point (give --decimal , or --decimal .)",
        "tallet {value} kan læses med decimalkomma eller decimalpunktum; angiv --decimal , eller --decimal .",
    ),
    "mixed_decimals": (
        "the column mixes decimal commas and decimal points",
        "kolonnen blander decimalkomma og decimalpunktum",
    ),
    "unreadable_date": ("impossible or unreadable date: '{value}'", "datoen {value} findes ikke eller kan ikke læses"),
    "excel_serial_out_of_range": (
        "not a date (an Excel serial number out of range): '{value}'",
        "tallet {value} er ikke en dato",
    ),
    "sentinel_date": (
        "open-ended sentinel where a date is required: '{value}'",
        "datoen {value} betyder 'ingen slutdato', men her skal stå en dato",
    ),
    "not_a_month": ("not a month (YYYY-MM): '{value}'", "{value} er ikke en måned (ÅÅÅÅ-MM)"),
    "unknown_municipality": (
        "unknown municipality (code or name): '{value}'",
        "kommunen {value} findes ikke (hverken som kode eller navn)",
    ),
    "unknown_area": ("unknown area (code or name): '{value}'", "området {value} findes ikke"),
    "not_a_sex": ("not a sex (1, 2, Mænd, Kvinder, I alt): '{value}'", "{value} er ikke et køn"),
    "impossible_age": ("impossible age: '{value}'", "alderen {value} er ikke mulig"),
    "not_a_period": (
        "not a StatBank period (2017K1, 2022M01, 2017): '{value}'",
        "{value} er ikke en periode fra Statistikbanken",
    ),
    "not_a_function": ("not an account function (d.dd.dd): '{value}'", "{value} er ikke en kontofunktion"),
    "not_an_account_group": ("not an account group (3 digits): '{value}'", "{value} er ikke en gruppering (3 cifre)"),
    "not_a_cpr": ("not a CPR number (DDMMYY-SSSS)", "CPR-nummeret kan ikke læses"),
    "impossible_cpr_date": ("impossible birth date in CPR number", "CPR-nummerets fødselsdato findes ikke"),
    "missing_person_id": (
        "missing person id: neither cpr nor case_id is filled",
        "rækken har hverken CPR-nummer eller sagsnummer",
    ),
    "too_many_fields": (
        "{fields} fields where the header has {width}",
        "rækken har {fields} felter, men overskriften {width}",
    ),
    # -- rules across the cells of a row ------------------------------------------------------------------------------------
    "unknown_measure_group": (
        "unknown measure group for area {area}",
        "indsatsgruppen hører ikke til området {area_da}",
    ),
    "unit_not_money": (
        "a unit that cannot become money: '{value}'",
        "enheden {value} kan ikke omregnes til kroner pr. dag eller måned",
    ),
    "one_off_without_end": (
        "a one-off amount without a stop date cannot be spread over months",
        "et engangsbeløb uden slutdato kan ikke fordeles på måneder",
    ),
    "end_before_start": (
        "stop date {end} before start date {start}",
        "slutdatoen {end} ligger før startdatoen {start}",
    ),
    "registration_date_order": (
        "registration date {date} not after registration {previous} ({previous_date})",
        "registreringsdatoen {date} ligger ikke efter registrering {previous} ({previous_date})",
    ),
    "duplicate_key": (
        "duplicate of line {line} (same {columns})",
        "rækken er en dublet af linje {line} (samme {columns_da})",
    ),
    "duplicate_row": (
        "duplicate of line {line} (identical in every column)",
        "rækken er identisk med linje {line} i alle kolonner",
    ),
    # -- notes on a file (nothing is lost; the reader should know) ----------------------------------------------------------
    "mixed_encoding": (
        "line(s) {lines} held Windows-1252 bytes in a UTF-8 file; those characters were read as Windows-1252, the rest "
        "of each line as UTF-8",
        "linje {lines} indeholdt Windows-1252-tegn i en UTF-8-fil; de tegn er læst som Windows-1252, resten som UTF-8",
    ),
    "registration_gap": (
        "case {case}: registration(s) {missing} missing before registration {number} (line {line})",
        "sag {case}: registrering {missing} mangler før registrering {number} (linje {line})",
    ),
    "sheets_read": (
        "read {count} sheets with the kind's header: {sheets}",
        "{count} ark med udtrækkets overskrift er læst: {sheets}",
    ),
    "sheets_passed_over": (
        "passed over sheet(s) without the kind's header: {sheets}",
        "ark uden udtrækkets overskrift er sprunget over: {sheets}",
    ),
    "two_row_header": (
        "the header spans two rows ({first} and {second}); column names read as: {names}",
        "overskriften står på to rækker ({first} og {second}); kolonnerne er læst som: {names}",
    ),
    "same_name_same_values": (
        "columns {positions} are all named '{name}' and hold the same values; read once",
        "kolonnerne {positions} hedder alle '{name}' og har de samme værdier; læst én gang",
    ),
    "same_name_one_filled": (
        "columns {positions} are all named '{name}'; only column {used} holds values, so it is read",
        "kolonnerne {positions} hedder alle '{name}'; kun kolonne {used} har værdier og er læst",
    ),
    "alias_chosen": (
        "{column}: read from '{used}'; also present and not read: {others}",
        "{column_da}: læst fra '{used}'; også i filen, men ikke læst: {others}",
    ),
    "not_assessed": (
        "{rows} cell(s) in '{column}' say not assessed ({words}): read as not assessed",
        "{rows} celle(r) i '{column}' siger ikke vurderet ({words}): læst som ikke vurderet",
    ),
    "statbank_missing": (
        "{rows} cell(s) in '{column}' hold StatBank's '..' (no figure: missing, confidential or too uncertain): read as "
        "empty",
        "{rows} celle(r) i '{column}' har Statistikbankens '..' (intet tal: mangler, diskretioneret eller for usikkert): "
        "læst som tomme",
    ),
    "legacy_xls": (
        "a legacy Excel workbook (.xls, BIFF): read with python-calamine; saving it as .xlsx keeps the cell types surest",
        "en gammel Excel-projektmappe (.xls): læst, men gem den gerne som .xlsx",
    ),
    # -- a file that cannot be read at all ----------------------------------------------------------------------------------
    "no_such_file": ("no such file", "filen findes ikke"),
    "empty_file": ("the file is empty (no header line)", "filen er tom (ingen overskrift)"),
    "empty_sheet": ("the sheet is empty (no header row)", "arket er tomt (ingen overskrift)"),
    "binary_content": (
        "cannot be decoded: binary content (NUL bytes) and no UTF-16 byte-order mark",
        "filen kan ikke læses som tekst: den indeholder binære data",
    ),
    "unreadable_workbook": ("cannot be read as a workbook: {detail}", "projektmappen kan ikke læses: {detail}"),
    "zip_not_workbook": (
        "a zip archive, not an Excel workbook or a CSV file: unpack it and add the files inside",
        "filen er et zip-arkiv, ikke en Excel-projektmappe eller CSV-fil: pak den ud og tilføj filerne i den",
    ),
    "pdf_not_data": (
        "a PDF document, not a data extract: export the data from the system as CSV or XLSX",
        "filen er et PDF-dokument, ikke et dataudtræk: træk data ud af systemet som CSV eller XLSX",
    ),
    "html_not_data": (
        "an HTML page saved with a spreadsheet's name: open it in Excel and save it as .xlsx, or export as CSV",
        "filen er en HTML-side med et regnearks navn: åbn den i Excel og gem den som .xlsx, eller træk den ud som CSV",
    ),
    "xml_spreadsheet": (
        "an Excel 2003 XML spreadsheet: open it in Excel and save it as .xlsx, or export as CSV",
        "filen er et Excel 2003 XML-regneark: åbn den i Excel og gem den som .xlsx, eller træk den ud som CSV",
    ),
    "legacy_xls_unreadable": (
        "a legacy Excel workbook (.xls) that cannot be read ({detail}): open it in Excel and save it as .xlsx",
        "en gammel Excel-projektmappe (.xls), som ikke kan læses ({detail}): åbn den i Excel og gem den som .xlsx",
    ),
    "missing_columns": (
        "missing required column(s) for kind {kind}: {missing} (found: {header})",
        "udtrækket ({kind_da}) mangler kolonnen/kolonnerne {missing} (fundet: {header})",
    ),
    "missing_columns_no_header": (
        "missing required column(s) for kind {kind}: {missing} (no header row: no cell of the first rows names a "
        "column; the first row has {width} cells, CPR-like numbers among them: {cprs})",
        "udtrækket ({kind_da}) mangler kolonnen/kolonnerne {missing} (ingen overskrift: ingen celle i de første rækker "
        "er et kolonnenavn; første række har {width} celler, heraf CPR-lignende numre: {cprs})",
    ),
    "same_name_differs": (
        "columns {positions} are all named '{name}' and hold different values (line {line}: {values}); rename the "
        "one to read, or delete the other",
        "kolonnerne {positions} hedder alle '{name}', men har forskellige værdier (linje {line}: {values}); omdøb den, "
        "der skal læses, eller slet den anden",
    ),
    "unknown_kind": ("unknown kind '{kind}'; known kinds: {known}", "ukendt slags udtræk '{kind}' (kendte: {known})"),
    "no_such_keep_column": ("--keep {column}: no such column", "--keep {column}: kolonnen findes ikke"),
    "no_caseworker_column": (
        "no caseworker column (Sagsbehandler, PrimærAnsvarlig, ...)",
        "ingen kolonne med sagsbehandler (Sagsbehandler, PrimærAnsvarlig, ...)",
    ),
    "no_snapshot_date": (
        "a case extract needs its snapshot date (snapshot_date) in the manifest",
        "et sagsudtræk skal have sin opgørelsesdato (snapshot_date) i manifestet",
    ),
    "unreadable_file": ("cannot be read: {detail}", "filen kan ikke læses: {detail}"),
    # -- adding an extract to the workspace ---------------------------------------------------------------------------------
    "kind_not_detected": (
        "the header names the columns of no kind (found: {header}); give --kind ({known})",
        "overskriften nævner ingen slags udtræks kolonner (fundet: {header}); angiv --kind ({known})",
    ),
    "kind_ambiguous": (
        "the header fits the kinds {kinds} equally well; give --kind",
        "overskriften passer lige godt til {kinds}; angiv --kind",
    ),
    "municipality_needed": (
        "whose extract is it? The rows name {found_text}; give --municipality CODE",
        "hvis udtræk er det? Rækkerne nævner {found_text}; angiv --municipality KODE",
    ),
    "municipality_differs": (
        "--municipality {given}, but the rows name {found}",
        "--municipality {given}, men rækkerne nævner {found}",
    ),
    "snapshot_needed": (
        "a case extract needs the date it was taken, and the rows do not say it ({found_text}); give --snapshot "
        "YYYY-MM-DD",
        "et sagsudtræk skal have den dato, det er trukket, og rækkerne siger den ikke ({found_text}); angiv --snapshot "
        "ÅÅÅÅ-MM-DD",
    ),
    "not_in_workspace": (
        "no such extract in the workspace; it holds: {known}",
        "udtrækket findes ikke i arbejdsområdet; det rummer: {known}",
    ),
}

# a required column a file lacks, where the column has alternatives: (English, Danish)
MISSING_COLUMNS = {
    "person_id": ("cpr or case_id", "CPR-nummer eller sagsnummer"),
    "rate_or_count_price": ("rate (or Antal and Pris pr stk)", "takst (eller Antal og Pris pr stk)"),
    "amount": ("amount_1000_kr (or an amount in kroner)", "beløb i 1.000 kr. (eller i kroner)"),
    "rate_unit_or_named_rate": (
        "rate_unit (or a rate named per day or per month)",
        "takstenhed (eller en takst hvis navn siger pr. dag eller pr. måned)",
    ),
}


def _danish_list(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " og " + items[-1] if len(items) > 1 else "".join(items)


def _danish_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters a Danish sentence needs in Danish: the columns of a key, an area, a kind, a column."""
    out = dict(params)
    if "columns" in params and isinstance(params["columns"], (list, tuple)):
        out["columns_da"] = _danish_list([COLUMN_NAMES_DA.get(c, c) for c in params["columns"]])
    if "area" in params:
        out["area_da"] = labels.AREA_NAMES_LOWER.get(params["area"], params["area"])
    if "kind" in params:
        out["kind_da"] = labels.KIND_LABELS.get(params["kind"], params["kind"]).lower()
    if "column" in params:
        out["column_da"] = COLUMN_NAMES_DA.get(params["column"], params["column"])
    if "missing" in params:
        out["missing"] = [
            MISSING_COLUMNS[c][1] if c in MISSING_COLUMNS else COLUMN_NAMES_DA.get(c, c) for c in params["missing"]
        ]
    if params.get("cprs") == []:
        out["cprs"] = "ingen"
    if "found" in params and isinstance(params["found"], list):
        out["found_text"] = (
            "flere: " + ", ".join(params["found"])
            if params["found"]
            else "ingen (ingen kolonne med kommune eller dato)"
        )
    return out


def _english_params(params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    if "missing" in params:
        out["missing"] = [MISSING_COLUMNS[c][0] if c in MISSING_COLUMNS else c for c in params["missing"]]
    if params.get("cprs") == []:
        out["cprs"] = "none"
    if "found" in params and isinstance(params["found"], list):
        out["found_text"] = "several: " + ", ".join(params["found"]) if params["found"] else "none (no such column)"
    return {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in out.items()}


@dataclass(frozen=True)
class Message:
    """A code from CATALOGUE and its parameters (texts and numbers as the file has them, CPR numbers masked)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise KeyError(f"message code {self.code!r} is not in the catalogue")

    def english(self) -> str:
        """The sentence for the command line and the ingest JSON."""
        return CATALOGUE[self.code][0].format(**_english_params(self.params))

    def danish(self) -> str:
        """The sentence for readers of the reports (lower case first; `sentence` makes it a sentence)."""
        danish = _danish_params(self.params)
        return CATALOGUE[self.code][1].format(
            **{k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in danish.items()}
        )

    def as_dict(self) -> dict[str, Any]:
        """{code, params} for JSON."""
        return {"code": self.code, "params": dict(self.params)}

    def __str__(self) -> str:
        return self.english()


def msg(code: str, **params: Any) -> Message:
    """A message: `msg("negative_amount", value="-5")`."""
    return Message(code, params)


def sentence(texts: list[str]) -> str:
    """Danish reasons joined as one sentence with a capital letter and a full stop."""
    text = "; ".join(texts)
    return text[:1].upper() + text[1:] + "." if text else ""


class ExtractError(Exception):
    """The file as a whole cannot be read (not decodable, no header, missing columns): the file and a Message."""

    def __init__(self, path: object, message: Message) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message.english()}")
