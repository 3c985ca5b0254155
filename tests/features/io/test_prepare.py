"""features.io.prepare: one firm is one id, absurd numbers are rejected with their bound, a second row of one key is reported."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd

from features.io import prepare, uscc
from features.io.read import RawTable
from features.io.schema import LIMITS, TABLES
from features.core.settings import ValidateSettings


def _prep(table: str, rows: list[dict]):
    df = pd.DataFrame(rows, dtype=object)
    raw = RawTable(f"{table}.csv", df, np.arange(2, len(df) + 2), [], "utf-8")
    return prepare.prepare(raw, TABLES[table], ValidateSettings())


def _code(seed: int) -> str:
    rng = random.Random(seed)
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(uscc.ALPHABET[:31]) for _ in range(9))
    return body + uscc.check_char(body)


def test_full_width_and_invisible_characters_do_not_make_a_second_firm():
    u = _code(9)
    full = u.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    p = _prep("bids", [{"tender_id": "T1", "bidder_id": u, "price": "900"},
                       {"tender_id": "T2", "bidder_id": u + "\u200b", "price": "900"},
                       {"tender_id": "T3", "bidder_id": full, "price": "900"},
                       {"tender_id": "T4", "bidder_id": "\ufeffACME\u2060 ", "price": "900"}])
    assert list(p.frame["bidder_id"]) == [u, u, u, "ACME"] and len(p.rejects) == 0
    note = [n for n in p.notes if n["column"] == "bidder_id"]
    assert note and note[0]["count"] == 3 and "normalised" in note[0]["problem"] and "\\u200b" in note[0]["problem"]
    assert prepare.normalise_id("ＡＢ\u200c１") == "AB1"


def test_a_full_width_code_with_a_wrong_check_character_is_still_rejected_with_its_reason():
    u = _code(3)
    wrong = u[:-1] + ("0" if u[-1] != "0" else "1")
    p = _prep("bids", [{"tender_id": "T1", "bidder_id": wrong.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),
                        "price": "900"}])
    assert len(p.rejects) == 1 and "check character" in p.rejects["reason"].iloc[0]


def test_numbers_beyond_their_bound_are_rejected_or_read_as_missing_with_the_bound_as_reason():
    p = _prep("bids", [{"tender_id": "T1", "bidder_id": "A", "price": "1e160"},
                       {"tender_id": "T1", "bidder_id": "B", "price": "9e12"},
                       {"tender_id": "T1", "bidder_id": "C", "price": "2e13"}])
    assert list(p.frame["bidder_id"]) == ["B"]
    assert set(p.rejects["reason"]) == {f"price out of bounds: {LIMITS['amount'][2]}"}
    t = _prep("tenders", [{"tender_id": "T1", "reserve_price": "1e300", "n_bidders": "3"},
                          {"tender_id": "T2", "reserve_price": "1000", "n_bidders": "1e9"}])
    assert len(t.rejects) == 0 and t.frame["reserve_price"].isna().tolist() == [True, False]
    assert t.frame["n_bidders"].isna().tolist() == [False, True]
    assert {n["column"] for n in t.notes if "out of bounds" in n["problem"]} == {"reserve_price", "n_bidders"}
    s = _prep("shareholders", [{"enterprise_id": "E1", "holder_id": "H", "share": "-5"},
                               {"enterprise_id": "E1", "holder_id": "I", "share": "30%"}])
    assert s.frame["share"].isna().tolist() == [True, False]


def test_a_second_row_of_one_key_with_other_values_is_rejected_naming_the_kept_row():
    p = _prep("tenders", [{"tender_id": "T1", "reserve_price": "1000"}, {"tender_id": "T1", "reserve_price": "2000"},
                          {"tender_id": "T2", "reserve_price": "1000"}, {"tender_id": "T1", "reserve_price": "1,000"}])
    assert list(p.frame["tender_id"]) == ["T1", "T2"] and p.frame["reserve_price"].tolist() == [1000.0, 1000.0]
    assert list(p.rejects["row"]) == [3, 5]
    r = list(p.rejects["reason"])
    assert r[0] == "tender_id given again with other values (reserve_price differ); row 2 is kept"
    assert r[1] == "tender_id given again with the same values; row 2 is kept"
    e = _prep("enterprises", [{"enterprise_id": "E1", "name": "A"}, {"enterprise_id": "E1", "name": "B"}])
    assert len(e.frame) == 1 and "row 2 is kept" in e.rejects["reason"].iloc[0]
    b = _prep("bids", [{"tender_id": "T1", "bidder_id": "A", "price": "1"}, {"tender_id": "T1", "bidder_id": "A", "price": "2"}])
    assert len(b.frame) == 2  # bids have no key: a bidder bidding twice is evidence, noted elsewhere
