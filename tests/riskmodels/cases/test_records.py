"""riskmodels.cases.records: the labels a store exports are each judged tender's current verdict."""
from __future__ import annotations

import pandas as pd

from riskmodels.cases.records import export_labels, history_table, labels, training_labels
from riskmodels.cases.store import open_store


def _v(t, v, by):
    return pd.DataFrame({"tender_id": [t], "verdict": [v], "by": [by], "note": [""], "firms": [[]]})


def test_labels_follow_the_current_verdict(tmp_path):
    st = open_store(tmp_path / "s.db")
    st.add_verdicts(_v("T1", "clean", "li"))
    st.add_verdicts(_v("T2", "unsure", "li"))
    st.add_verdicts(_v("T1", "collusive", "wang"))
    lab = labels(st).set_index("tender_id")
    assert lab.loc["T1", "collusive"] == 1 and lab.loc["T1", "by"] == "wang" and lab.loc["T1", "verdicts"] == 2
    assert pd.isna(lab.loc["T2", "collusive"])
    assert training_labels(st).to_dict("list") == {"tender_id": ["T1"], "collusive": [1.0]}
    assert history_table(st)["verdict"].tolist() == ["collusive", "unsure", "clean"]  # newest first
    r = export_labels(st, tmp_path / "labels.csv")
    assert r == {"tenders": 2, "collusive": 1, "clean": 0, "unsure": 1}
    back = pd.read_csv(tmp_path / "labels.csv", dtype={"tender_id": str})
    assert back["tender_id"].tolist() == ["T1", "T2"]
