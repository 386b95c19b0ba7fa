"""`python -m helpers fetch statbank`: REGK31 and FOLK1A through the StatBank API (a local server answering with
fixtures in the API's documented BULK format), cached in the workspace with a sidecar, and built into the benchmark's
expenditure and population in place of the sample's; without network one line, and the data stays."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from conftest import data_over_sample, helpers_cli
from helpers.intake import workspace
from helpers.intake.ingest import ingest

FIXTURES = Path(__file__).parent / "data" / "statbank"


class _Api(BaseHTTPRequestHandler):
    """The StatBank API's /v1/data as documented: a JSON body in, a BULK text out (or an error as JSON)."""

    answers = {"REGK31": "REGK31_bulk.csv", "FOLK1A": "FOLK1A_bulk.csv"}
    bodies: list[dict] = []
    refuse = False

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append(body)
        if self.path != "/v1/data" or type(self).refuse:
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write((FIXTURES / "error_request_limit.json").read_bytes())
            return
        data = (FIXTURES / self.answers[body["table"]]).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Api.bodies, _Api.refuse = [], False
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return helpers_cli(
        *args,
        env={
            **os.environ,
            **env,
        },
    )


def test_the_fixtures_read_as_the_api_writes_them():
    """BOM or none, ';', codes, time codes 2024, 2024K1 and 2024M09, '..' for no figure."""
    regk = ingest("expenditure", FIXTURES / "REGK31_bulk.csv")
    assert regk.rows_read == 40 and len(regk.rejected) == 1  # 461's 5.28.24 in 2024 is '..': no figure
    assert [n.code for n in regk.notes] == ["statbank_missing"] and regk.errors[0]["code"] == "missing_value"
    rows = regk.accepted.set_index(["municipality_code", "function", "year"])
    assert rows.loc[("479", "5.28.22", 2024), "amount_1000_kr"] == 54_980 and set(rows["account_kind"]) == {"TOT"}
    folk = ingest("population", FIXTURES / "FOLK1A_bulk.csv")
    assert (folk.rows_read, len(folk.rejected)) == (1512, 0) and set(folk.accepted["period"]) == {"2023K1", "2024K1"}
    months = ingest("population", FIXTURES / "FOLK1AM_codes.csv")
    assert months.accepted["period"].tolist() == ["2024M09"] and len(months.rejected) == 1


def test_the_query_is_bulk_with_codes_and_every_variable_given(api, tmp_path):
    env = {"HELPERS_STATBANK_URL": api, "HELPERS_WORKSPACE": str(tmp_path / "ws")}
    done = _cli("fetch", "statbank", env=env)
    assert done.returncode == 0, done.stderr
    regk, folk = sorted(_Api.bodies, key=lambda b: b["table"], reverse=True)
    assert regk["format"] == folk["format"] == "BULK" and regk["valuePresentation"] == "Code"
    given = {v["code"]: v["values"] for v in regk["variables"]}
    assert given["DRANST"] == ["1"] and given["ART"] == ["TOT"] and given["PRISENHED"] == ["LOBM"]
    assert given["Tid"] == ["*"] and len(given["OMRÅDE"]) == 98 and "52822" in given["FUNKTION"]
    assert all("." not in f for f in given["FUNKTION"])  # REGK31's function codes have no dots
    folk_given = {v["code"]: v["values"] for v in folk["variables"]}
    assert folk_given["CIVILSTAND"] == ["TOT"] and folk_given["Tid"] == ["*K1"] and len(folk_given["ALDER"]) == 126


def test_fetched_tables_are_cached_with_a_sidecar_and_recorded(api, tmp_path):
    space = tmp_path / "ws"
    done = _cli("fetch", "statbank", env={"HELPERS_STATBANK_URL": api, "HELPERS_WORKSPACE": str(space)})
    assert done.returncode == 0 and "REGK31:" in done.stdout and "FOLK1A:" in done.stdout
    assert (space / "statbank" / "REGK31.csv").read_bytes() == (FIXTURES / "REGK31_bulk.csv").read_bytes()
    sidecar = json.loads((space / "statbank" / "REGK31.csv.source.json").read_text(encoding="utf-8"))
    assert sidecar["table"] == "REGK31" and sidecar["query"]["format"] == "BULK" and "CC BY 4.0" in sidecar["licence"]
    assert sidecar["retrieved_at"][:4].isdigit() and sidecar["url"] == f"{api}/data"
    listed = workspace.manifest(space).set_index("file")
    assert listed.loc["statbank/REGK31.csv", "origin"] == "statbank" and listed.loc["statbank/REGK31.csv", "kind"] == (
        "expenditure"
    )
    assert listed.loc["statbank/FOLK1A.csv", "period_start"] == "2023K1"
    again = _cli("fetch", "statbank", env={"HELPERS_STATBANK_URL": api, "HELPERS_WORKSPACE": str(space)})
    assert again.returncode == 0 and len(workspace.manifest(space)) == 2  # a new fetch replaces the old


def test_without_network_one_line_and_the_data_stays(api, tmp_path):
    space = tmp_path / "ws"
    _cli("fetch", "statbank", "--table", "REGK31", env={"HELPERS_STATBANK_URL": api, "HELPERS_WORKSPACE": str(space)})
    before = (space / "statbank" / "REGK31.csv").read_bytes(), workspace.manifest(space)
    offline = _cli(
        "fetch", "statbank", env={"HELPERS_STATBANK_URL": "http://127.0.0.1:9/v1", "HELPERS_WORKSPACE": str(space)}
    )
    assert offline.returncode == 1 and offline.stderr.count("\n") == 1 and offline.stderr.startswith("no network")
    assert "Traceback" not in offline.stderr
    assert (space / "statbank" / "REGK31.csv").read_bytes() == before[0] and workspace.manifest(space).equals(before[1])
    _Api.refuse = True
    refused = _cli("fetch", "statbank", env={"HELPERS_STATBANK_URL": api, "HELPERS_WORKSPACE": str(space)})
    assert refused.returncode == 1 and "REQUEST-LIMIT" not in refused.stderr and "1.000.000 celler" in refused.stderr


@pytest.mark.slow  # builds a warehouse of its own
def test_the_benchmark_reads_the_fetched_expenditure_and_population(api, tmp_path, warehouse_path, staged_cache):
    """Built with the sample: the three municipalities of the fixtures get StatBank's figures, the others keep the
    sample's; sums worked by hand from the fixture lines."""
    data, space = data_over_sample(tmp_path, staged_cache), tmp_path / "ws"
    env = {"HELPERS_STATBANK_URL": api, "HELPERS_WORKSPACE": str(space), "HELPERS_DATA_DIR": str(data)}
    assert _cli("fetch", "statbank", env=env).returncode == 0
    built = _cli("build", env=env)
    assert built.returncode == 0, built.stderr
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:

        def one(sql: str, *args):
            return con.execute(sql, list(args)).fetchone()[0]

        children = "select expenditure_kr from int_expenditure_by_measure_group where municipality_code = ? and year = ? and area = 'children' and measure_group = 'i_alt'"
        # 479, 2024: 5.28.20-24 = 63.801 + 90.455 + 54.980 + 41.777 + 2.877 = 253.890 t.kr.
        assert one(children, "479", 2024) == 253_890_000
        # § 85 from REGK31 has no groups: the total, without the split into housing-like settings and own home
        sel85 = "select expenditure_kr from int_expenditure_by_measure_group where municipality_code = '479' and year = 2024 and measure_group = ?"
        assert one(sel85, "sel_85_socialpaedagogisk_stoette") == 97_500_000
        assert con.execute(sel85, ["sel_85_bostoette"]).fetchall() == []
        # 5.32.32 without groups mixes home help for the elderly with §§ 95-96: left out, and said so
        assert con.execute(sel85, ["sel_95_96_personlige_hjaelpere"]).fetchall() == []
        left = one(
            "select description from int_check_unmapped_accounts where municipality_code = '479' and year = 2024"
        )
        assert "125.300 t.kr. på 5.32.32 uden gruppering indgår ikke i nøgletallene" in left
        # 461's 5.28.24 in 2024 had no figure ('..'): its row is quarantined, not read as 0
        assert (
            one(
                "select count(*) from stg_finance__expenditure where municipality_code = '461' and function = '5.28.24'"
            )
            == 1
        )
        # the population of 479 on 1.1.2024, ages 0-17, both sexes, as the fixture's lines sum
        lines = (FIXTURES / "FOLK1A_bulk.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
        expected = sum(
            int(r.split(";")[5])
            for r in lines
            if r.startswith("479;") and int(r.split(";")[2]) <= 17 and r.split(";")[4] == "2024K1"
        )
        assert (
            one(
                "select inhabitants from mart_population where level = 'municipality' and code = '479' and year = 2024 and age_group = '0_17'"
            )
            == expected
        )
        # the sample's expenditure of the other municipalities stays; none of the sample's rows of 479, 461, 101
        origins = dict(con.execute("select origin, count(*) from mart_ingest_log group by origin").fetchall())
        assert origins["statbank"] == 2 and origins["sample"] > 80
        sources = dict(
            con.execute(
                "select municipality_code, list(distinct source_file) from stg_finance__expenditure where municipality_code in ('479', '147') group by all"
            ).fetchall()
        )
        assert sources == {"479": ["statbank/REGK31.csv"], "147": ["accounts/nettodrift_2010-2024.csv"]}
    finally:
        con.close()
    shutil.rmtree(data / "staged", ignore_errors=True)
