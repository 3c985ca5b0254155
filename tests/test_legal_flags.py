"""Legal red flags: for each flag a true case, the near misses it must not flag, and the evidence text it cites."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from features.evidence.legal.base import LegalContext
from features.evidence.legal import LEGAL
from features.evidence.flags import collusion_flags, flagged_tenders
from features.core.settings import FlagsSettings

BID_COLUMNS = ["tender_id", "bidder_id", "price", "status", "is_winner", "ip", "mac", "device_id", "file_creator",
               "file_hash", "ca_serial", "deposit_account", "project_manager_id", "agent_id"]


def bids_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in BID_COLUMNS:
        if c not in df.columns:
            df[c] = None
    df["price"] = df["price"].astype(float)
    df["status"] = df["status"].fillna("valid")
    df["is_winner"] = df["is_winner"].astype(float)
    return df[BID_COLUMNS]


def bid(t, b, price, **kw):
    return {"tender_id": t, "bidder_id": b, "price": price, **kw}


def run(code, tables, **settings) -> pd.DataFrame:
    s = dataclasses.replace(FlagsSettings(), **settings)
    return pd.DataFrame(LEGAL[code].compute(LegalContext(tables=tables, settings=s)))


def pairs_of(found: pd.DataFrame) -> set:
    return set(zip(found["tender_id"], found["bidders"])) if len(found) else set()


def test_article_34_same_legal_rep_and_control():
    bids = bids_frame([
        bid("T1", "A", 100), bid("T1", "B", 101),                        # same legal representative: flag
        bid("T2", "C", 100), bid("T3", "D", 100),                        # same representative, different tenders
        bid("T4", "E", 100), bid("T4", "F", 101),                        # blank representatives
        bid("T5", "G", 100), bid("T5", "H", 101),                        # G holds 30% of H: not control
        bid("T6", "I", 100), bid("T6", "J", 101),                        # I holds 60% of J: flag
        bid("T7", "K", 100), bid("T7", "L", 101),                        # both 51% owned by person P9: flag
        bid("T8", "M", 100), bid("T8", "N", 101, status="withdrawn"),    # same representative, N withdrew
    ])
    ents = pd.DataFrame({"enterprise_id": list("ABCDEFGHIJKLMN"),
                         "legal_rep_id": ["P1", "P1", "P2", "P2", " ", None, "P3", "P4", "P5", "P6", "P7", "P8", "P10", "P10"]})
    holders = pd.DataFrame({"enterprise_id": ["H", "J", "K", "L"], "holder_id": ["G", "I", "P9", "P9"],
                            "share": [0.3, 0.6, 51.0, 0.51]})
    found = run("A34", {"bids": bids, "enterprises": ents, "shareholders": holders})
    assert pairs_of(found) == {("T1", "A;B"), ("T6", "I;J"), ("T7", "K;L")}
    text = dict(zip(found["tender_id"], found["evidence"]))
    assert text["T1"] == "Article 34: A and B, both bidding in tender T1, have the same legal representative 'P1'"
    assert "I holds a controlling share of J" in text["T6"]
    assert "are both controlled by 'P9'" in text["T7"]
    assert set(found["article"]) == {"Article 34"}


def test_article_40_1_same_author_device_ip_but_not_generic_values():
    bids = bids_frame([
        bid("T1", "A", 100, device_id="DEV-1", file_creator="Administrator"), bid("T1", "B", 101, device_id="DEV-1", file_creator="Administrator"),
        bid("T2", "C", 100, file_creator="Administrator"), bid("T2", "D", 101, file_creator="Administrator"),  # default author
        bid("T3", "E", 100, ip="10.0.0.1"), bid("T3", "F", 101, ip="10.0.0.1"),                              # shared network...
        bid("T4", "G", 100, ip="10.0.0.1"),                                                                  # ...of 3 bidders
        bid("T5", "H", 100, device_id="DEV-9"), bid("T6", "I", 100, device_id="DEV-9"),                      # different tenders
        bid("T7", "J", 100, file_creator="wang.li"), bid("T7", "K", 101, file_creator="wang.li"),            # same author: flag
        bid("T8", "L", 100, device_id=""), bid("T8", "M", 100, device_id=""),                                # blank
    ])
    found = run("A40.1", {"bids": bids}, generic_bidders=3)
    assert pairs_of(found) == {("T1", "A;B"), ("T7", "J;K")}
    text = dict(zip(found["tender_id"], found["evidence"]))
    assert text["T1"] == "Article 40(1): the bids of A and B in tender T1 were made on the same device 'DEV-1'"
    assert text["T7"] == "Article 40(1): the bids of J and K in tender T7 were made by the same file creator 'wang.li'"


@pytest.mark.parametrize("code, column, words", [
    ("A40.2", "agent_id", "were handled by the same agent 'AG1' (who acts for 2 bidders in this dataset)"),
    ("A40.3", "project_manager_id", "name the same project manager 'PM1'"),
    ("A40.6", "deposit_account", "had their deposits paid from the same account '6222001'"),
])
def test_article_40_same_agent_manager_account(code, column, words):
    value = {"agent_id": "AG1", "project_manager_id": "PM1", "deposit_account": "6222001"}[column]
    bids = bids_frame([
        bid("T1", "A", 100, **{column: value}), bid("T1", "B", 101, **{column: value}),    # flag
        bid("T2", "C", 100, **{column: "X1"}), bid("T2", "D", 101, **{column: "X2"}),      # different values
        bid("T3", "E", 100, **{column: None}), bid("T3", "F", 101, **{column: None}),      # missing
        bid("T4", "G", 100, **{column: "X3"}), bid("T5", "H", 101, **{column: "X3"}),      # different tenders
    ])
    found = run(code, {"bids": bids})
    assert pairs_of(found) == {("T1", "A;B")}
    assert found["evidence"].iloc[0] == f"Article {code[1:3]}({code[4]}): the bids of A and B in tender T1 {words}"


def test_article_40_4_identical_documents_and_patterned_prices():
    bids = bids_frame([
        bid("T1", "A", 100, file_hash="h1"), bid("T1", "B", 107, file_hash="h1"),       # same file: flag
        bid("T2", "C", 100), bid("T2", "D", 110), bid("T2", "E", 120),                  # arithmetic progression: flag
        bid("T3", "F", 100), bid("T3", "G", 110), bid("T3", "H", 125),                  # no pattern
        bid("T4", "I", 100), bid("T4", "J", 110),                                       # two bids: no pattern to speak of
        *(bid("T9", f"P{i}", p) for i, p in enumerate((100, 110, 120, 130, 155))),    # 4 in a row of 5: flag
        *(bid("T10", f"Q{i}", p) for i, p in enumerate((100, 110, 120, 155))),        # only 3 in a row of 4
        bid("T5", "K", 100), bid("T5", "L", 103), bid("T6", "M", 100), bid("T6", "N", 104),
    ])
    items = pd.DataFrame([  # K and L price 3 shared items identically (flag); M and N only 2 (no flag)
        *({"tender_id": "T5", "bidder_id": b, "item_code": c, "unit_price": p} for b in "KL" for c, p in (("i1", 1.5), ("i2", 7.0), ("i3", 9.9))),
        *({"tender_id": "T6", "bidder_id": b, "item_code": c, "unit_price": p} for b, c, p in
          (("M", "i1", 1.5), ("N", "i1", 1.5), ("M", "i2", 7.0), ("N", "i2", 7.0), ("M", "i3", 9.9), ("N", "i3", 9.1))),
    ])
    found = run("A40.4", {"bids": bids, "bid_items": items}, identical_items=3)
    assert pairs_of(found) == {("T1", "A;B"), ("T2", "C;D;E"), ("T5", "K;L"), ("T9", "P0;P1;P2;P3;P4")}
    text = dict(zip(found["tender_id"], found["evidence"]))
    assert text["T1"] == "Article 40(4): the bids of A and B in tender T1 contain the same file, hash 'h1'"
    assert text["T2"] == "Article 40(4): the 3 valid bids in tender T2 form an arithmetic progression (100.00, 110.00, 120.00)"
    assert "price 3 of 3 shared bill items identically" in text["T5"]
    assert text["T9"].startswith("Article 40(4): 4 of the 5 valid bids in tender T9 form an arithmetic progression in a row")


def test_article_39_rotation_pattern():
    rows = []
    for k in range(6):  # A and B meet in 6 tenders and take turns winning: R057 -> Article 39(2)
        winner = "A" if k % 2 else "B"
        rows += [bid(f"T{k}", "A", 100 + k, is_winner=float(winner == "A")), bid(f"T{k}", "B", 101 + k, is_winner=float(winner == "B")),
                 bid(f"T{k}", f"X{k}", 150, is_winner=0.0)]
    for k in range(5):  # C and D meet only 5 times: below the 6 co-bids R057 needs
        rows += [bid(f"U{k}", "C", 100, is_winner=float(k % 2)), bid(f"U{k}", "D", 101 + 3 * k, is_winner=float(1 - k % 2))]
    found = run("A39", {"bids": bids_frame(rows)})
    assert set(found["bidders"]) == {"A;B"}
    assert set(found["tender_id"]) == {f"T{k}" for k in range(6)}
    assert found["evidence"].iloc[0].startswith("Pattern evidence under Article 39(2) (agreeing who wins): A and B bid together "
                                                "in 6 tenders and took turns winning")


def test_collusion_flags_combines_and_rejects_unknown_codes():
    bids = bids_frame([bid("T1", "A", 100, deposit_account="9"), bid("T1", "B", 101, deposit_account="9")])
    ev, meta = collusion_flags({"bids": bids}, FlagsSettings())
    assert list(ev["code"]) == ["A40.6"] and flagged_tenders(ev) == {"T1"}
    assert meta["A40.6"]["findings"] == 1.0 and "upper_fence" in meta["R022"] or "tenders" in meta["R022"]
    from features.core.errors import SettingsError

    with pytest.raises(SettingsError, match="R999"):
        collusion_flags({"bids": bids}, dataclasses.replace(FlagsSettings(), enabled=["R999"]))
    with pytest.raises(SettingsError, match="threshhold"):
        collusion_flags({"bids": bids}, dataclasses.replace(FlagsSettings(), indicators={"R053": {"threshhold": 1}}))


def test_collusion_flags_cli(cli, tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    pd.DataFrame({"tender_id": ["T1", "T2"]}).to_csv(d / "tenders.csv", index=False)
    bids_frame([bid("T1", "A", 100, project_manager_id="PM7"), bid("T1", "B", 101, project_manager_id="PM7"),
                bid("T2", "A", 100), bid("T2", "C", 130)]).to_csv(d / "bids.csv", index=False)
    out = tmp_path / "flags.csv"
    r = cli("collusion", "flags", d, "--out", out, "--meta", tmp_path / "meta.json", err="1 findings in 1 tenders")
    assert "A40.3 1" in r.stderr
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert list(got["code"]) == ["A40.3"] and "the same project manager 'PM7'" in got["evidence"].iloc[0]
    cli("collusion", "flags", tmp_path / "missing", "--out", out, code=2)


def test_cardinal_codes_on_a_dataset():
    """Cardinal's R028 (identical prices) and R035 run on canonical tables when enabled in [flags]."""
    bids = bids_frame([bid("T1", "A", 100, is_winner=1.0), bid("T1", "B", 100, is_winner=0.0), bid("T1", "C", 120, is_winner=0.0),
                       bid("T2", "A", 100, is_winner=1.0), bid("T2", "B", 90, status="disqualified", is_winner=0.0)])
    ev, meta = collusion_flags({"bids": bids}, dataclasses.replace(FlagsSettings(), enabled=["R028", "R035"]))
    got = set(zip(ev["code"], ev["level"], ev["tender_id"], ev["bidders"]))
    assert got == {("R028", "tender", "T1", ""), ("R028", "bidder", "", "A"), ("R028", "bidder", "", "B"),
                   ("R035", "tender", "T2", ""), ("R035", "bidder", "", "A")}
    assert "R028 Identical bid prices: tender T1, value 1" in set(ev["evidence"])
    assert meta["R028"]["tenders_flagged"] == 1.0
