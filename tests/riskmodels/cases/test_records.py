"""riskmodels.cases.records: the verdict history and the labels `cases export` writes, current verdicts only."""
from __future__ import annotations

import pandas as pd
import pytest

from riskmodels.cases.records import export_labels, history_table, labels, training_labels
from riskmodels.cases.store import open_store
from riskmodels.cases.verdicts import one_verdict, record_verdicts
from tests.riskmodels.cases.test_verdicts import BIDS, _Dataset


@pytest.fixture
def store(tmp_path, monkeypatch):
    import riskmodels.cases.scoring as scoring

    monkeypatch.setattr(scoring, "market_statistics", lambda ds, settings=None: {"columns": []})
    st = open_store(tmp_path / "s.db")
    ds = _Dataset(BIDS)
    record_verdicts(st, ds, one_verdict("T1", "collusive", "li", "same device"), "--tender")
    record_verdicts(st, ds, one_verdict("T2", "unsure", "li"), "--tender")
    record_verdicts(st, ds, one_verdict("T1", "clean", "wang", "appeal"), "--tender")  # supersedes li's verdict
    return st


def test_labels_hold_the_current_verdict_of_each_tender(store):
    lab = labels(store)
    assert lab["tender_id"].tolist() == ["T1", "T2"] and lab["verdict"].tolist() == ["clean", "unsure"]
    assert lab["collusive"].tolist()[0] == 0.0 and pd.isna(lab["collusive"].iloc[1])
    assert lab["verdicts"].tolist() == [2, 1] and lab["by"].tolist() == ["wang", "li"]
    tl = training_labels(store)
    assert tl.to_dict("list") == {"tender_id": ["T1"], "collusive": [0.0]}  # unsure teaches nothing


def test_history_is_newest_first_and_export_counts(store, tmp_path):
    h = history_table(store)
    assert h["verdict"].tolist() == ["clean", "unsure", "collusive"] and h["current"].tolist() == [True, True, False]
    assert len(history_table(store, limit=1)) == 1
    info = export_labels(store, tmp_path / "labels.csv")
    assert info == {"tenders": 2, "collusive": 0, "clean": 1, "unsure": 1}
    assert pd.read_csv(tmp_path / "labels.csv", dtype=str)["tender_id"].tolist() == ["T1", "T2"]
