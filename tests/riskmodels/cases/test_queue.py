"""riskmodels.cases.queue: the no-model order before verdicts, learning after them, never a judged tender, and a prior
that the verdicts contradict is no longer followed."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features.core.errors import InputError
from riskmodels.cases.queue import MIN_CLASS, PRIOR_VERDICTS, blend, review_queue, verdict_labels, why_text
from riskmodels.cases.store import open_store


def _table(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    # a market-ranked screen that separates the classes, one that does not
    t = pd.DataFrame({"tender_id": [f"T{i:04d}" for i in range(n)], "cv_rank": np.where(y == 1, rng.random(n) * 0.4, 0.3 + rng.random(n) * 0.7),
                      "kurt_rank": rng.random(n)})
    return t, y


def _labels(table, y, idx):
    return pd.Series(y[idx], index=table["tender_id"].iloc[idx].to_numpy())


def test_without_verdicts_the_queue_is_the_prior():
    t, y = _table()
    prior = np.random.default_rng(1).random(len(t))
    score, info = blend(t, prior, pd.Series(dtype=int))
    assert np.array_equal(np.argsort(-score, kind="stable"), np.argsort(-prior, kind="stable"))
    assert info["model_weight"] == 0 and "no verdicts yet" in why_text(info)


def test_verdicts_teach_the_queue_and_weigh_n_over_n_plus_50():
    t, y = _table()
    prior = np.random.default_rng(1).random(len(t))  # an uninformative prior
    idx = np.arange(60)
    score, info = blend(t, prior, _labels(t, y, idx))
    assert info["model_weight"] == pytest.approx(60 / (60 + PRIOR_VERDICTS))
    from sklearn.metrics import roc_auc_score

    rest = np.arange(60, len(t))
    assert roc_auc_score(y[rest], score[rest]) > roc_auc_score(y[rest], prior[rest]) + 0.15


def test_a_prior_that_points_the_wrong_way_is_dropped():
    t, y = _table()
    prior = -t["cv_rank"].to_numpy() * -1  # higher cv_rank = more suspicious: the wrong way round here
    idx = np.arange(80)
    score, info = blend(t, prior, _labels(t, y, idx))
    assert info["prior_auc"] < 0.5 and not info["prior_followed"] and info["model_weight"] == 1.0
    assert "contradict" in why_text(info)


def test_one_class_of_verdicts_keeps_the_prior():
    t, y = _table()
    prior = np.arange(len(t), dtype=float)
    lab = pd.Series([1] * 5 + [0] * (MIN_CLASS - 1), index=t["tender_id"].iloc[:5 + MIN_CLASS - 1].to_numpy())
    _, info = blend(t, prior, lab)
    assert info["model_weight"] == 0


def test_unsure_verdicts_carry_no_label():
    cur = pd.DataFrame({"tender_id": ["A", "B", "C"], "verdict": ["collusive", "unsure", "clean"]})
    assert verdict_labels(cur).to_dict() == {"A": 1, "C": 0}


@pytest.mark.slow
def test_queue_on_a_city_never_repeats_a_judged_tender(loop_city, tmp_path):
    from features.io.dataset import load_dataset

    ds = load_dataset(loop_city["hist"])
    st = open_store(tmp_path / "q.db")
    with pytest.raises(InputError, match="--budget"):
        review_queue(ds, st, 0)
    q, info = review_queue(ds, st, 10)
    assert list(q.columns[:4]) == ["tender_id", "rank", "score", "no_model_score"] and q["rank"].tolist() == list(range(1, 11))
    assert info["verdicts"] == 0 and q["no_model_score"].is_monotonic_decreasing
    truth = loop_city["truth"].set_index("tender_id")["collusive"]
    v = pd.DataFrame({"tender_id": q["tender_id"], "verdict": ["collusive" if truth[x] == "1" else "clean" for x in q["tender_id"]],
                      "by": "t", "note": "", "firms": [[]] * len(q)})
    st.add_verdicts(v.assign(firms=[[] for _ in range(len(v))]))
    q2, _ = review_queue(ds, st, 10)
    assert not set(q2["tender_id"]) & set(q["tender_id"])
