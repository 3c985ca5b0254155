"""The `riskmodels cases ...` commands end to end on a small city: verdicts, the queue, warnings raised once, the store's
labels, and a model trained from verdicts."""
from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.slow
def test_the_loop_from_verdicts_to_warnings_and_retraining(cli, loop_city, tmp_path):
    hist, new, truth = loop_city["hist"], loop_city["new"], loop_city["truth"].set_index("tender_id")
    store = tmp_path / "cases.db"
    bids = pd.read_csv(hist / "bids.csv", dtype=str)
    th = truth.loc[sorted(loop_city["hist_ids"])]
    conf = th[th["collusive"] == "1"].groupby("cartel_id").head(3)
    members = {r.cartel_id: set(r.members.split(";")) for r in loop_city["cartels"].itertuples()}
    firms = [";".join(sorted(members[conf.loc[t, "cartel_id"]] & set(bids[bids.tender_id == t].bidder_id))) for t in conf.index]
    clean = th[th["collusive"] == "0"].head(12)
    v = pd.concat([pd.DataFrame({"tender_id": conf.index, "verdict": "collusive", "firms": firms}),
                   pd.DataFrame({"tender_id": clean.index, "verdict": "clean", "firms": ""})])
    v["by"], v["note"] = "inspector li", "=HYPERLINK(\"x\")"  # a note is text, never a formula
    v.to_csv(tmp_path / "v.csv", index=False)
    cli("cases", "verdict", hist, "--store", store, "--verdicts", tmp_path / "v.csv", err=f"recorded {len(v)} verdict(s)")
    cli("cases", "verdict", hist, "--store", store, "--tender", clean.index[0], "--verdict", "unsure", "--by", "wang",
        err="1 supersede")
    cli("cases", "verdict", hist, "--store", store, "--tender", clean.index[0], "--verdict", "maybe", "--by", "wang",
        code=2, err="not one of collusive, clean, unsure")
    r = cli("cases", "list", "--store", store, "--json")
    assert "(superseded)" in r.stdout and f'"verdicts": {len(v) + 1}' in r.stdout

    cli("cases", "warn", new, "--store", store, "--out", tmp_path / "w1.csv")
    w1 = pd.read_csv(tmp_path / "w1.csv", dtype=str)
    assert list(w1.columns) == ["warning_id", "tender_id", "kind", "firms", "reason"] and len(w1)
    assert set(w1["tender_id"]) <= loop_city["new_ids"] and "score" in set(w1["kind"])
    cli("cases", "warn", new, "--store", store, "--out", tmp_path / "w1.csv", code=2, err="--force")
    cli("cases", "warn", new, "--store", store, "--out", tmp_path / "w2.csv", err="0 new warning(s)")
    assert len(pd.read_csv(tmp_path / "w2.csv")) == 0

    q = tmp_path / "queue.csv"
    cli("cases", "queue", hist, "--store", store, "--budget", 15, "--out", q, err="learned from")
    assert not set(pd.read_csv(q, dtype=str)["tender_id"]) & set(v["tender_id"])

    cli("cases", "export", "--store", store, "--out", tmp_path / "labels.csv", err="unsure 1")
    from features.io.read import read_raw

    lab = read_raw(tmp_path / "labels.csv").frame  # the toolkit's reader undoes the export's formula guard
    assert lab.loc[lab.tender_id == str(clean.index[1]), "note"].iloc[0] == "=HYPERLINK(\"x\")"
    cli("collusion", "train", hist, "--verdicts", store, "--model-out", tmp_path / "model", "--method", "lightgbm",
        err=f"learning from {len(v) - 1} verdict(s)")
