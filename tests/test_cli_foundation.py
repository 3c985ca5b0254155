"""The foundation commands through the CLI helper: exit codes, stdout, stderr together."""
from __future__ import annotations

import json
import numpy as np
import pytest
import pandas as pd
from features.io import uscc


CODES = uscc.generate(np.random.default_rng(5), 4)


def make(d, bids=None):
    d.mkdir(exist_ok=True)
    pd.DataFrame({"tender_id": ["T1", "T2"]}).to_csv(d / "tenders.csv", index=False)
    (bids if bids is not None else pd.DataFrame({"tender_id": ["T1", "T1", "T9"], "bidder_id": CODES[:3], "price": ["1", "x", "3"]})
     ).to_csv(d / "bids.csv", index=False)
    return d


def test_validate_json_report_and_rejects_file(cli, tmp_path):
    d = make(tmp_path / "ds")
    r = cli("data", "validate", d, "--json", "--rejects", tmp_path / "rej.csv", out="bids", err="rejects: 2 row(s)")
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["tables"]["bids"] == {"read": 3, "accepted": 1, "rejected": 2}
    assert {p["problem"] for p in rep["problems"]} == {"price is not a number", "unknown tender_id (not in tenders)"}
    rej = pd.read_csv(tmp_path / "rej.csv", dtype=str)
    assert list(rej.columns) == ["table", "file", "row", "column", "value", "reason"] and len(rej) == 2


def test_missing_column_exits_2_with_one_line(cli, tmp_path):
    d = make(tmp_path / "ds", pd.DataFrame({"tender_id": ["T1"], "bidder_id": ["A"]}))
    r = cli("data", "validate", d, code=2, err="bids.csv: missing required column 'price'")
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1


def test_empty_directory_and_missing_directory_exit_2(cli, tmp_path):
    cli("data", "validate", tmp_path, code=2, err="no canonical tables found")
    cli("data", "validate", tmp_path / "nope", code=2, err="no such directory")


def test_settings_unknown_key_is_named(cli, tmp_path):
    (tmp_path / "s.toml").write_text("[validate]\nmin_dat = '2000-01-01'\n")
    d = make(tmp_path / "ds")
    cli("--settings", tmp_path / "s.toml", "data", "validate", d, code=2, err="unknown key 'min_dat' in [validate]")
    (tmp_path / "s2.toml").write_text("[validat]\n")
    cli("--settings", tmp_path / "s2.toml", "data", "validate", d, code=2, err="unknown section [validat]")


def test_init_writes_a_default_file_that_loads(cli, tmp_path):
    from features.core.settings import Settings, load_settings

    p = tmp_path / "riskmodels.toml"
    cli("init", p, err="wrote")
    assert load_settings(p) == Settings()
    cli("init", p, code=2, err="already exists")


def test_import_garcia_keeps_ids_and_labels(cli, tmp_path):
    src = tmp_path / "g.csv"
    pd.DataFrame({"Tender": ["007", "007", "8"], "Competitors": ["12", "13", "12"], "Bid_value": [100, 110, 90],
                  "Winner": [1, 0, 1], "Collusive_competitor": [1, 1, 0], "Collusive_competitor_original": [1, 0, 0],
                  "Pre-Tender Estimate (PTE)": [120, 120, 95], "Date": [1050537600, 1050537600, 1060537600]}).to_csv(src, index=False)
    cli("data", "import", "garcia", src, "--out", tmp_path / "ds", err="imported 2 tenders (1 collusive) and 3 bids")
    t = pd.read_csv(tmp_path / "ds" / "tenders.csv", dtype=str)
    b = pd.read_csv(tmp_path / "ds" / "bids.csv", dtype=str)
    assert t.tender_id.tolist() == ["007", "8"] and t.collusive.tolist() == ["1", "0"]
    assert t.published_at.tolist() == ["2003-04-17", "2003-08-10"] and t.reserve_price.tolist() == ["120", "95"]
    assert b.bidder_id.tolist() == ["12", "13", "12"] and b.cartel_member.tolist() == ["1", "0", "0"]
    r = cli("data", "validate", tmp_path / "ds", "--json")
    assert json.loads(r.stdout.splitlines()[-1])["tables"]["bids"]["rejected"] == 0


def test_import_garcia_without_bidders_makes_anonymous_ids(cli, tmp_path):
    src = tmp_path / "ch.csv"
    pd.DataFrame({"Tender": [1, 1, 2], "Bid_value": [5, 6, 7], "Collusive_competitor": [0, 0, 1], "Date": [366, 366, 400]}
                 ).to_csv(src, index=False)
    cli("data", "import", "garcia", src, "--out", tmp_path / "ds", err="anonymous")
    b = pd.read_csv(tmp_path / "ds" / "bids.csv", dtype=str)
    assert b.bidder_id.tolist() == ["anon-1-1", "anon-1-2", "anon-2-1"] and set(b.anonymous) == {"1"}
    assert "date_index" in pd.read_csv(tmp_path / "ds" / "tenders.csv").columns


@pytest.mark.parametrize("dates, kind, expected", [
    (["1050537600000", "1050537600000", "1060537600000"], "published_at", ["2003-04-17", "2003-08-10"]),  # Unix ms
    (["2013-05-01", "2013-05-01", "2014-12-31"], "published_at", ["2013-05-01", "2014-12-31"]),  # ISO text
    (["01/05/2013", "01/05/2013", "31/12/2014"], "published_at", ["2013-05-01", "2014-12-31"]),  # day first
    (["05/01/2013", "05/01/2013", "12/31/2014"], "published_at", ["2013-05-01", "2014-12-31"]),  # month first (USA)
    (["01.05.2013", "01.05.2013", "31.12.2014"], "published_at", ["2013-05-01", "2014-12-31"]),  # day first, dots
    (["366", "366", ""], "date_index", ["366.0", None]),  # a day number, one missing
])
def test_import_garcia_reads_date_forms(tmp_path, dates, kind, expected):
    from features.imports.garcia import import_garcia

    src = tmp_path / "g.csv"
    pd.DataFrame({"Tender": [1, 1, 2], "Competitors": [5, 6, 5], "Bid_value": [10, 11, 12], "Date": dates}).to_csv(src, index=False)
    import_garcia(src, tmp_path / "ds")
    t = pd.read_csv(tmp_path / "ds" / "tenders.csv", dtype=str)
    assert t[kind].replace({np.nan: None}).tolist() == expected
    assert ({"published_at", "date_index"} - {kind}).isdisjoint(t.columns)


def test_import_garcia_pooled_file_keeps_countries_apart(tmp_path):
    from features.imports.garcia import import_garcia

    src = tmp_path / "all.csv"
    pd.DataFrame({"Tender": [1, 1, 1, 1], "Bid_value": [10, 11, 50, 52], "Dataset": ["Brazil", "Brazil", "Italy", "Italy"],
                  "Collusive_competitor": [1, 1, 0, 0]}).to_csv(src, index=False)
    counts = import_garcia(src, tmp_path / "ds")
    t = pd.read_csv(tmp_path / "ds" / "tenders.csv", dtype=str)
    assert counts["tenders"] == 2 and t.tender_id.tolist() == ["Brazil:1", "Italy:1"]
    assert t.market.tolist() == ["Brazil", "Italy"] and t.collusive.astype(float).tolist() == [1.0, 0.0]


def test_import_garcia_bad_file_exits_2(cli, tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    cli("data", "import", "garcia", tmp_path / "x.csv", "--out", tmp_path / "o", code=2, err="missing column 'Tender'")


def test_help_keeps_bracketed_words_and_shows_no_type_for_switches(cli):
    """Help is plain text: settings sections such as [flags] are not eaten as markup; a switch takes no value."""
    r = cli("collusion", "--help")
    assert "see [flags]" in " ".join(r.stdout.split())
    assert "see [flags]" in " ".join(cli("collusion", "flags", "--help").stdout.split())
    r = cli("collusion", "report", "--help")
    assert "<bool>" not in r.stdout and "[report] lang" in " ".join(r.stdout.split())
    assert "<path>" in r.stdout  # options that take a value still say what
