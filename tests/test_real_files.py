"""The real public files in data/external are read as they are, with nothing lost."""

from helpers import paths
from helpers.intake.ingest import ingest


def test_folk1a_codes_file_reads_completely():
    path = paths.REAL_DATA / "dst_FOLK1A_codes_koen_alder_2008-2020K1.csv"
    result = ingest("population", path)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (31200, 31200, 0)
    acc = result.accepted
    assert set(acc["area_code"]) == {"000", "081", "082", "083", "084", "085", "147", "400", "461", "561", "751", "851"}
    assert 38 not in set(acc["age"]) and set(acc["age"]) == set(range(101)) - {38}
    row = acc[(acc["area_code"] == "000") & (acc["sex"] == "1") & (acc["age"] == 0) & (acc["period"] == "2008K1")]
    assert row["count"].tolist() == [32976] and row["year"].tolist() == [2008]


def test_folk1am_labels_file_with_bom_and_crlf_reads_completely():
    path = paths.REAL_DATA / "dst_FOLK1AM_omraade_2021M10-2024M04.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    result = ingest("population", path)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (3255, 3255, 0)
    acc = result.accepted
    assert acc["area_code"].nunique() == 105  # country, 5 regions, 98 municipalities, Christiansø
    assert set(acc["sex"]) == {"T"} and acc["age"].isna().all()
    jan22 = acc[acc["period"] == "2022M01"].set_index("area_code")["count"]
    assert jan22["000"] == 5873420 and jan22["411"] == 93 and jan22["101"] > 600000
    regions = jan22[["081", "082", "083", "084", "085"]].sum()
    assert regions == jan22["000"]
