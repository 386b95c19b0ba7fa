"""Report parameters checked before any kernel starts: filters choose among the published sets, settings change what a
report computes, a run with other settings than the published writes to a what-if folder of its own, and index.json
keeps typed values."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from pathlib import Path

import pytest

from conftest import helpers_cli
from helpers import labels
from helpers.render import batch
from helpers.render import parameters as P


def _cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return helpers_cli("reports", *args)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--only", "benchmark", "--filter", "regoin=083"],
            "unknown filter 'regoin'; filters of benchmark: area, region",
        ),
        (["--only", "benchmark", "--set", "regoin=083"], "unknown setting 'regoin'; settings of benchmark: exclude,"),
        (["--filter", "year=2022"], "year is a setting: use --set year=..."),
        (["--set", "region=083"], "region is a filter: use --filter region=..."),
        (["--set", "region_name=Sjælland"], "region_name follows from the code it names"),
        (["--filter", "region=086"], "region=086: no report has it; valid values: 000, 081, 082, 083, 084, 085"),
        (["--only", "benchmark", "--set", "year=abc"], "benchmark: year: 'abc' is not a year (e.g. 2024)"),
        (["--only", "benchmark", "--set", "year=2030"], "year=2030: the warehouse has key figures for 2010-2024"),
        (
            ["--only", "benchmark", "--set", "year=2017", "period_start=2018"],
            "long_series_start <= period_start < year",
        ),
        (["--only", "benchmark", "--set", "price_base_year=1990"], "price_base_year=1990: the price index covers"),
        (["--only", "benchmark", "--set", "exclude={259: x}"], "exclude: not valid JSON"),
        (["--only", "benchmark", "--set", 'exclude={"999": "x"}'], "exclude: 999 is no municipality code"),
        (
            ["--only", "indicators", "--set", "period=2024-Q5"],
            "'2024-Q5' is not a month YYYY-MM (2024-09) or a quarter",
        ),
        (["--only", "indicators", "--set", "period=2099-01"], "period=2099-01: ends 2099-01-31, in the future"),
        (["--only", "indicators", "--set", "refund_lower=3000000"], "refund_lower=3000000 must be below refund_upper"),
        (["--only", "forecast", "--set", "as_of=2099-01-01"], "as_of=2099-01-01: a date in the future"),
        (["--only", "forecast", "--set", "as_of=2024-9-30"], "'2024-9-30' is not a date YYYY-MM-DD"),
        (["--only", "forecast", "--set", "year=2023", "as_of=2024-09-30"], "disagree: the as-of date lies in the year"),
        (["--only", "progression", "--set", "service=sel_999"], "'sel_999' is not one of all, sel_85, sel_107"),
        (["--only", "progression", "--set", "hourly_rate=-5"], "'-5' is not a positive amount in kroner"),
        (
            ["--only", "data_quality", "--filter", "area=children"],
            "unknown filter 'area'; filters of data_quality: region",
        ),
        (["--only", "nonsense"], "unknown report(s): nonsense; known: data_quality, benchmark,"),
        (["--set", "year"], "--set takes KEY=VALUE, got 'year'"),
        (["--municipality", "999"], "--municipality 999: no such municipality code"),
    ],
)
def test_a_bad_key_or_value_is_one_line_naming_the_valid_ones_before_any_kernel_starts(
    warehouse_path, tmp_path, capsys, args, says
):
    from helpers.cli import main

    start = time.perf_counter()
    assert main(["reports", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and says in err and err.count("\n") == 1, err
    assert time.perf_counter() - start < 10  # no kernel started (a report takes longer), nothing written
    assert not any(tmp_path.iterdir())


def test_the_command_exits_2_with_one_line(warehouse_path, tmp_path):
    out = _cli("--only", "benchmark", "--param", "regoin=083", "--out", str(tmp_path))  # the old option is gone
    assert out.returncode == 2 and "unrecognized arguments: --param" in out.stderr and "Traceback" not in out.stderr
    out = _cli("--only", "benchmark", "--filter", "regoin=083", "--out", str(tmp_path))
    assert out.returncode == 2 and out.stderr == "error: unknown filter 'regoin'; filters of benchmark: area, region\n"
    assert not any(tmp_path.iterdir())


def test_parsers_type_the_values_as_the_notebooks_take_them():
    assert P.code("85") == P.code(85) == "085" and P.year("2017") == 2017 and P.iso_date("2024-09-30") == "2024-09-30"
    assert P.month_or_quarter("2024-q3") == "2024-Q3" and P.month_or_quarter("2024-09") == "2024-09"
    assert P.amount("1000000") == 1_000_000 and P.amount("2500.5") == 2500.5
    assert P.reasons_by_code('{"259": " brud i serien "}') == {"259": "brud i serien"}
    assert P.pairs(["year=2017", 'exclude={"259": "a=b"}'], "--set") == {"year": "2017", "exclude": '{"259": "a=b"}'}
    for parse, bad in ((P.year, "17"), (P.iso_date, "2024-02-30"), (P.amount, "1.000.000"), (P.code, "0851")):
        with pytest.raises(P.ParameterError):
            parse(bad)
    with pytest.raises(P.ParameterError, match="given twice"):
        P.pairs(["year=2017", "year=2018"], "--set")


def test_every_setting_is_a_parameter_of_its_notebook_and_filters_name_the_published_sets(warehouse_path):
    for spec in batch.REPORTS:
        defaults = P.notebook_defaults(batch._notebook_path(spec))
        assert set(spec.settings) <= set(defaults), spec.name
        assert set(spec.filters) <= set(defaults) and set(spec.filters) <= set(spec.parameter_sets()[0]), spec.name


def test_filters_choose_published_sets_and_settings_only_the_reports_that_take_them(warehouse_path, tmp_path):
    planned = batch.plan(filters={"region": "85"}, out_dir=tmp_path)
    assert [(s.name, p.get("area")) for s, p, _ in planned.jobs] == [
        ("data_quality", None),
        ("benchmark", "children"),
        ("benchmark", "adults"),
    ]
    assert planned.out_dir == tmp_path and not planned.what_if
    assert all(p == published for _, p, published in planned.jobs)
    # a setting equal to the published value is the published report
    same = batch.plan(only=["benchmark"], filters={"region": "085"}, settings={"year": "2024"}, out_dir=tmp_path)
    assert same.out_dir == tmp_path and not same.what_if
    # a year brings its period and prices as published for that year; given settings win
    other = batch.plan(["benchmark"], {"region": "085", "area": "children"}, {"year": "2017"}, out_dir=tmp_path)
    ((_, params, published),) = other.jobs
    assert params | {} == published | {"year": 2017, "period_start": 2014, "price_base_year": 2017}
    assert other.out_dir == tmp_path / "what-if" / "year-2017" and other.what_if == {"year": 2017}
    given = batch.plan(
        ["benchmark"], {"region": "085", "area": "children"}, {"year": "2017", "price_base_year": "2015"}
    )
    assert given.jobs[0][1]["price_base_year"] == 2015 and given.out_dir.name == "price-base-year-2015_year-2017"
    # --set year: the benchmark and the forecast take it, the rest would be the published reports
    both = batch.plan(settings={"year": "2024"}, out_dir=tmp_path)
    assert {s.name for s, _, _ in both.jobs} == {"benchmark", "forecast"} and not both.what_if


def test_a_forecast_setting_moves_the_as_of_date_and_the_year_together(warehouse_path):
    from helpers.warehouse import marts

    snaps = marts.snapshots("479", "adults")
    at = batch.plan(["forecast"], {"municipality": "479", "area": "adults"}, {"as_of": str(snaps[-2])})
    assert at.jobs[0][1]["as_of"] == str(snaps[-2]) and at.jobs[0][1]["year"] == snaps[-2].year
    first_year = snaps[0].year
    year = batch.plan(["forecast"], {"municipality": "479", "area": "adults"}, {"year": str(first_year)})
    assert year.jobs[0][1]["as_of"] == str(max(s for s in snaps if s.year == first_year))
    assert dt.date.fromisoformat(year.jobs[0][1]["as_of"]).year == year.jobs[0][1]["year"] == first_year


def test_a_municipality_gets_its_reports_and_its_region_with_it_highlighted(warehouse_path, tmp_path):
    planned = batch.plan(municipality="479", out_dir=tmp_path)
    assert planned.out_dir == tmp_path / "municipality" / "svendborg" and planned.title == "Rapporter for Svendborg"
    chosen = sorted((s.name, p.get("area") or p.get("audience") or "") for s, p, _ in planned.jobs)
    assert chosen == sorted(
        [("data_quality", ""), ("benchmark", "children"), ("benchmark", "adults"), ("progression", "")]
        + [("forecast", a) for a in labels.AREAS]
        + [("indicators", a) for a in labels.AUDIENCE_LABELS]
    )
    for spec, params, _ in planned.jobs:
        assert params.get("municipality", "479") == "479" and params.get("region", "083") == "083"
        assert params.get("highlight") == ("479" if spec.name in ("benchmark", "data_quality") else None)
    # a municipality without case data or registrations: its region's reports, and a note per missing kind
    lejre = batch.plan(municipality="350", out_dir=tmp_path)
    assert {s.name for s, _, _ in lejre.jobs} == {"benchmark", "data_quality"}
    assert len(lejre.notes) == 3 and "no forecast report for Lejre: the warehouse holds no cases for it" in lejre.notes
    # a what-if for a municipality: below its own folder
    what_if = batch.plan(["benchmark"], settings={"year": "2020"}, municipality="479", out_dir=tmp_path)
    assert what_if.out_dir == tmp_path / "municipality" / "svendborg" / "what-if" / "year-2020"


def test_cli_list_prints_the_sets_and_renders_nothing(warehouse_path, tmp_path):
    out = _cli("--municipality", "479", "--only", "benchmark", "--set", "year=2020", "--list", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] == f"2 report(s) into {tmp_path / 'municipality/svendborg/what-if/year-2020'}"
    assert json.loads(lines[0].split(None, 1)[1])["highlight"] == "479" and not any(tmp_path.iterdir())


@pytest.mark.renders
def test_a_what_if_run_leaves_the_published_reports_and_index_untouched(warehouse_path, tmp_path):
    published = batch.render_all(
        only=["progression"], filters={"municipality": "479"}, out_dir=tmp_path, workers=1, progress=False
    )
    assert [r.error for r in published] == [None]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    out = _cli(
        "--only", "progression", "--filter", "municipality=479", "--set", "hourly_rate=650", "--out", str(tmp_path),
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert {p: p.read_bytes() for p in before} == before  # the published page, workbook and index as they were
    folder = tmp_path / "what-if" / "hourly-rate-650"
    assert f"index: {folder / 'index.html'}" in out.stdout and (folder / "progression" / "svendborg.xlsx").is_file()
    page = (folder / "progression" / "svendborg.html").read_text(encoding="utf-8")
    assert "Hvad nu hvis:</strong> beregnet med andre indstillinger" in page
    assert "Timepris (§ 85): 650 kr. (offentliggjort: 500 kr.)" in page
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert [e["params"]["hourly_rate"] for e in index] == [650]  # typed: a number, not the text "650"
    assert "Hvad nu hvis-beregning" in (folder / "index.html").read_text(encoding="utf-8")
    assert len(json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))) == 1
    again = _cli(
        "--only", "progression", "--filter", "municipality=479", "--set", "hourly_rate=650", "--out", str(tmp_path),
        timeout=300,
    )  # fmt: skip
    assert "rendered 0 of 1 reports, 1 unchanged since rendered from the same inputs" in again.stdout


def test_index_json_keeps_typed_values(warehouse_path, tmp_path):
    results = [
        batch.RenderResult("benchmark", "children/hele-landet", {"region": "000", "year": 2024, "exclude": {}}),
        batch.RenderResult("forecast", "svendborg-voksne", {"municipality": "479", "as_of": "2024-09-30"}),
    ]
    results[0].error = results[1].error = "not rendered in this test"
    batch.write_index(results, tmp_path)
    entries = {e["report"]: e["params"] for e in json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))}
    assert entries["benchmark"] == {"region": "000", "year": 2024, "exclude": {}}
    assert entries["forecast"] == {"municipality": "479", "as_of": "2024-09-30"}


def test_what_if_folder_names_are_readable_and_distinct():
    assert P.what_if_folder({"year": 2017}) == "year-2017"
    assert P.what_if_folder({"exclude": {"259": "x"}, "year": 2017}) == "exclude-259_year-2017"
    long_a = P.what_if_folder({"exclude": {c: "x" for c in ("101", "147", "151", "153", "155", "157", "159", "161")}})
    long_b = P.what_if_folder({"exclude": {c: "x" for c in ("101", "147", "151", "153", "155", "157", "159", "163")}})
    assert len(long_a) <= 60 and long_a != long_b


def test_papermill_gets_typed_values(warehouse_path, tmp_path):
    """The notebook's parameters keep their types: a year is an int, a code a 3-digit text."""
    planned = batch.plan(["benchmark"], {"region": "85", "area": "children"}, {"year": 2020}, out_dir=tmp_path)
    params = planned.jobs[0][1]
    assert isinstance(params["year"], int) and params["region"] == "085" and isinstance(params["period_start"], int)
    assert Path(planned.out_dir).name == "year-2020"
