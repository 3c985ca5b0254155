"""riskmodels.cases.verdicts: a verdict file is checked whole against the dataset before anything is recorded."""
from __future__ import annotations

import pandas as pd
import pytest
from features.core.errors import InputError
from riskmodels.cases.store import open_store
from riskmodels.cases.verdicts import check_verdicts, one_verdict, read_verdict_file, record_verdicts


BIDS = pd.DataFrame({"tender_id": ["T1", "T1", "T1", "T2"], "bidder_id": ["A", "B", "C", "A"],
                     "price": [1.0, 2.0, 3.0, 4.0], "status": ["valid", "valid", "withdrawn", "valid"]})


def _file(tmp_path, text):
    p = tmp_path / "v.csv"
    p.write_text(text, encoding="utf-8")
    return read_verdict_file(p)


def test_collusive_verdict_names_every_valid_bidder_by_default(tmp_path):
    v = check_verdicts(_file(tmp_path, "tender_id,verdict,by,note\nT1,Collusive,li,same device\nT2,clean,li,\n"), BIDS, "v.csv")
    assert v["verdict"].tolist() == ["collusive", "clean"]
    assert v["firms"].tolist() == [["A", "B"], []]  # the withdrawn bid's firm is not named by default


@pytest.mark.parametrize("text, message", [
    ("tender_id,verdict,by\nT1,guilty,li\n", "v.csv row 2: verdict 'guilty' is not one of"),
    ("tender_id,verdict,by\nT1,clean,li\nT9,clean,li\n", "v.csv row 3: tender 'T9' has no bids"),
    ("tender_id,verdict,by\nT1,clean,\n", "v.csv row 2: 'by' is empty"),
    ("tender_id,verdict,by,firms\nT1,collusive,li,A;Z\n", "firm(s) 'Z' did not bid in tender 'T1'"),
    ("tender_id,verdict,by,firms\nT1,clean,li,A\n", "a clean verdict names no colluding firms"),
])
def test_a_bad_row_stops_with_its_row_and_nothing_is_recorded(tmp_path, text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_verdicts(_file(tmp_path, text), BIDS, "v.csv")


def test_missing_column_is_named(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text("tender_id,by\nT1,li\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'verdict'"):
        read_verdict_file(p)


class _Dataset:
    path = "/somewhere/hist"

    def __init__(self, bids):
        self.bids = bids

    def get(self, name):
        return self.bids if name == "bids" else None


def test_record_keeps_the_bids_and_counts_supersessions(tmp_path, monkeypatch):
    import riskmodels.cases.scoring as scoring

    monkeypatch.setattr(scoring, "market_statistics", lambda ds, settings=None: {"columns": []})
    st = open_store(tmp_path / "s.db")
    ds = _Dataset(BIDS)
    r = record_verdicts(st, ds, one_verdict("T1", "collusive", "li", "x", "A;B"), "--tender")
    assert r == {"recorded": 1, "superseded": 0, "by_verdict": {"collusive": 1}, "firms_named": 2}
    r = record_verdicts(st, ds, one_verdict("T1", "clean", "wang", "appeal"), "--tender")
    assert r["superseded"] == 1
    h = st.verdict_history()
    assert h["dataset"].tolist() == ["hist", "hist"]  # the folder's name, never a machine path
    assert len(st.judged_bids(h["verdict_id"])) == 6 and st.confirmed_firms().empty
