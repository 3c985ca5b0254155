"""`riskmodels data import ocds`: OCDS compiled releases -> canonical tables the loader accepts; bad lines reported."""
from __future__ import annotations
from __future__ import annotations

import json
import pandas as pd
from features.io.dataset import load_dataset
from features.imports.ocds import ReadReport, read_processes
from tests.features.evidence.indicators.cardinal import FIXTURES


RELEASE = {
    "ocid": "ocds-1", "buyer": {"id": "B1"},
    "tender": {"procurementMethod": "open", "procurementMethodDetails": "公开招标", "title": "道路维修",
               "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-01-20T00:00:00Z"},
               "value": {"amount": 1000, "currency": "CNY"}},
    "parties": [{"id": "S1", "name": "甲公司", "roles": ["tenderer", "supplier"], "address": {"region": "坪山"}},
                {"id": "S2", "name": "乙公司", "roles": ["tenderer"], "contactPoint": {"telephone": "0755-1"}}],
    "bids": {"details": [
        {"status": "valid", "date": "2024-01-19T10:00:00Z", "tenderers": [{"id": "S1"}], "value": {"amount": 900, "currency": "CNY"}},
        {"status": "disqualified", "tenderers": [{"id": "S2"}], "value": {"amount": 950, "currency": "CNY"}},
        {"status": "valid", "tenderers": [{"id": "S2"}, {"id": "S4"}], "value": {"amount": 990, "currency": "CNY"}},
        {"status": "invited", "tenderers": [{"id": "S3"}]}]},
    "awards": [{"status": "active", "suppliers": [{"id": "S1"}]}],
}


def test_import_ocds_round_trip(cli, tmp_path):
    src = tmp_path / "r.jsonl"
    src.write_text("\n".join([json.dumps(RELEASE, ensure_ascii=False), '{"ocid": "ocds-2", "tender": {"status": "cancelled"}}',
                              "{broken", '{"no": "ocid"}']) + "\n", encoding="utf-8")
    out = tmp_path / "ds"
    r = cli("data", "import", "ocds", src, "--out", out, err="4 lines = 2 accepted + 2 skipped")
    assert "line 3: invalid JSON" in r.stderr and "line 4: /ocid: ocid is missing" in r.stderr
    assert "1 cancelled processes left out" in r.stderr
    ds = load_dataset(out)
    assert {k: v["rejected"] for k, v in ds.report()["tables"].items()} == {"tenders": 0, "bids": 0, "enterprises": 0}
    tenders, bids, ents = ds.tables["tenders"], ds.tables["bids"], ds.tables["enterprises"]
    assert tenders.iloc[0][["tender_id", "buyer_id", "procedure", "reserve_price"]].tolist() == ["ocds-1", "B1", "open", 1000.0]
    got = bids[["bidder_id", "price", "status", "is_winner"]].astype(str).values.tolist()
    assert got == [["S1", "900.0", "valid", "1.0"], ["S2", "950.0", "disqualified", "0.0"],
                   ["S2", "990.0", "valid", "0.0"], ["S4", "990.0", "valid", "0.0"]]  # a consortium bid: one row per member
    assert set(ents["enterprise_id"]) == {"S1", "S2"} and ents.set_index("enterprise_id").loc["S1", "name"] == "甲公司"
    # the imported dataset runs through the rule-based flags
    cli("collusion", "flags", out, "--out", tmp_path / "f.csv")
    assert pd.read_csv(tmp_path / "f.csv", encoding="utf-8-sig").shape[1] == 7


def test_import_ocds_missing_file(cli, tmp_path):
    cli("data", "import", "ocds", tmp_path / "nope.jsonl", "--out", tmp_path / "o", code=2, err="nope.jsonl: file not found")
    cli("ocds", "indicators", tmp_path / "nope.jsonl", code=2, err="file not found")


def test_bad_lines_are_reported_and_skipped(cli, tmp_path):
    src = tmp_path / "bad.jsonl"
    good = (FIXTURES / "examples" / "018.jsonl").read_text().strip()
    src.write_text("\n".join([
        '{"ocid": 1}',                      # 1 ocid not a string
        "{not json",                        # 2 invalid JSON
        "[1, 2]",                           # 3 not an object
        "",                                 # 4 empty: ignored
        '{"tender": {}}',                   # 5 no ocid
        '{"ocid": "x", "bids": {"details": [{"status": "valid", "value": {"amount": "12"}}]}, "tender": []}',  # 6 wrong types
        '{"ocid": "y", "bids": {"details": [{"value": {"amount": NaN}}]}}',  # 7 NaN is not JSON
        good,                               # 8 fine and flagged
    ]) + "\n")
    report = ReadReport()
    procs = list(read_processes(src, report))
    assert [p.ocid for p in procs] == ["x", "F"]
    assert (report.read, report.accepted, report.skipped) == (7, 2, 5)
    skipped = sorted(i.line for i in report.issues if i.skipped)
    assert skipped == [1, 2, 3, 5, 7]
    fields = {(i.line, i.path) for i in report.issues if not i.skipped}
    assert fields == {(6, "/tender"), (6, "/bids/details[0]/value/amount")}
    issues_csv = tmp_path / "issues.csv"
    r = cli("ocds", "indicators", src, "--issues", issues_csv)
    assert json.loads(r.stdout)["OCID"] == {"F": {"R018": 1.0}}
    for needle in ("line 1", "line 2", "line 3", "line 5", "line 6 (ocid x)", "line 7", "7 lines = 2 accepted + 5 skipped"):
        assert needle in r.stderr
    assert len(issues_csv.read_text(encoding="utf-8").strip().splitlines()) == 1 + 7
