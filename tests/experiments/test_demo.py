"""`riskmodels demo`: the truth measurements are right, errors name their stage, and the README's first command runs end
to end through the CLI on the tiny city, writing every output other tools read."""
from __future__ import annotations

import json
import pandas as pd
import pytest
from experiments import demo
from pathlib import Path
from features.core.errors import InputError
from tests.hostile import _bids


def test_cartels_recovered_and_truth_metrics(tmp_path):
    truth = tmp_path / "truth"
    truth.mkdir()
    pd.DataFrame({"cartel_id": ["c1", "c2", "c3"], "members": ["a;b;c", "d;e", "x;y;z"],
                  "scheme": ["cover", "rotation", "cover"]}).to_csv(truth / "cartels.csv", index=False)
    groups = pd.DataFrame({"group_id": [1, 2], "members": ["a;b;c;q", "d;k;m;n"]})
    r = demo.cartels_recovered(groups, tmp_path)
    # a;b;c vs a;b;c;q: Jaccard 3/4 -> found; d;e vs d;k;m;n: 1/5 -> not; x;y;z: no group
    assert r == {"cartels_planted": 3, "cartels_recovered": 1, "recovery_min_jaccard": 0.5}

    pd.DataFrame({"tender_id": ["t1", "t2", "t3", "t4"], "collusive": ["1", "0", "1", "0"]}).to_csv(
        truth / "tenders.csv", index=False)
    scores = pd.DataFrame({"tender_id": ["t1", "t2", "t3", "t4"], "score": [0.9, 0.8, 0.3, 0.1]})
    m = demo.collusion_truth_metrics(scores, tmp_path, top=2)
    assert m["truth_auc"] == pytest.approx(0.75) and m["precision_at_2"] == pytest.approx(0.5)
    assert demo.cartels_recovered(groups, tmp_path / "nowhere") == {}


def test_a_stage_without_its_prerequisite_says_which(tmp_path, monkeypatch):
    def dependant(d):
        """Needs validate."""
        d.need("ds", "validate")

    monkeypatch.setattr(demo, "STAGES", [("graphs", dependant)])
    with pytest.raises(RuntimeError, match="needs the validate stage, which did not run"):
        demo.run_demo(tmp_path / "out", "tiny", log=lambda s: None)


def test_a_real_error_stops_the_demo_with_the_stage_named(tmp_path, monkeypatch):
    def broken(d):
        """Breaks."""
        raise ValueError("bad")

    monkeypatch.setattr(demo, "STAGES", [("screens", broken)])
    with pytest.raises(ValueError) as e:
        demo.run_demo(tmp_path / "out", "tiny", log=lambda s: None)
    assert "demo stage 'screens' failed" in " ".join(getattr(e.value, "__notes__", []))
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["failed_stage"] == "screens"


def test_progress_line_in_words():
    line = demo._brief({"version": "1", "champion": True, "gate": "first version promoted", "n": 898.0,
                        "positives": 140.0, "auc": 0.9876, "a_disturbed": 0.0052, "verified": True, "run_id": "abc"})
    assert line.startswith("registered as version 1 (now @champion)")
    assert "tenders 898" in line and "collusive 140" in line and "auc 0.988" in line
    assert "tier A firms disturbed 0.5%" in line and "verified: yes" in line
    assert "898.000" not in line and "a_disturbed" not in line and "gate" not in line and "abc" not in line
    assert "not promoted: auc 0.7 does not beat" in demo._brief({"version": "2", "champion": False,
                                                                 "gate": "auc 0.7 does not beat champion v1"})


def test_cli_rejects_unknown_scale(cli, tmp_path):
    cli("demo", "--scale", "galaxy", "--out", tmp_path, code=2, err="'galaxy' is not one of 'tiny', 'city'")


def tiers_as_of(out) -> str:
    return str(pd.read_csv(out / "credit" / "tiers.csv", dtype=str)["as_of"].iloc[0])[:7]


@pytest.mark.slow
def test_demo_end_to_end_through_the_cli(cli, tmp_path, monkeypatch):
    """The README's first command (`riskmodels demo`), tiny scale, with its own MLflow store: every stage runs, the
    outputs other checks read are where they were, and the summary's figures are real measurements."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    out = tmp_path / "demo"
    r = cli("demo", "--scale", "tiny", "--out", out)
    assert "stages done" in r.stdout and str(out / "collusion" / "scores.csv") in r.stdout
    # progress in words: no float counts, no internal keys, none of MLflow's own registration lines
    for noise in ("n=898.000", "a_disturbed", "gate=", "Successfully registered", "Created version"):
        assert noise not in r.stderr, noise
    assert "registered as version 1 (now @champion)" in r.stderr
    assert len(list((out / "collusion" / "report" / "tenders").glob("*.html"))) >= 50
    for rel in ("data/bids.csv", "validate/report.json", "evidence/screens.csv", "evidence/flags.csv", "graphs/groups.csv",
                "graphs/bidders.graphml", "collusion/scores.csv", "collusion/report/index.html", "credit/tiers.csv",
                "inspection/plan/plan.csv", "inspection/plan/manifest.json", "inspection/plan/notice.xlsx",
                "inspection/plan/inclusion.csv", "inspection/results.csv", "inspection/report/index.html",
                "inspection/report/report.xlsx", "summary.json"):
        assert (out / rel).is_file(), rel
    doc = json.loads((out / "summary.json").read_text())
    assert doc["failed_stage"] is None and set(doc["results"]) == {name for name, _ in demo.STAGES}
    res = doc["results"]
    assert res["graphs"]["cartels_recovered"] >= 1 and 0.5 < res["collusion"]["truth_auc"] <= 1
    assert res["credit"]["version"] and res["inspection"]["verified"] is True and res["inspection"]["lift"] > 1
    assert res["inspection"]["period"] > tiers_as_of(out) and 0 <= res["inspection"]["violation_rate_low"] \
        <= res["inspection"]["violation_rate_estimate"] <= res["inspection"]["violation_rate_high"] <= 1
    scores = pd.read_csv(out / "collusion" / "scores.csv", dtype={"tender_id": str})
    tenders = pd.read_csv(out / "data" / "tenders.csv", dtype={"tender_id": str})
    assert set(scores["tender_id"]) <= set(tenders["tender_id"]) and scores["probability"].between(0, 1).all()
    top = scores.sort_values("score", ascending=False).head(50)
    assert top["score"].round(6).nunique() >= 45  # the case order's key does not saturate (docs/report.md)
    assert "honest evaluation (collusion evaluate" in r.stdout and "winning firms held out" in r.stdout
    assert res["collusion"]["evaluation"]["bidder_auc"] <= 1 and res["collusion"]["evaluation"]["run_name"].startswith(
        "collusion-evaluate · city-tiny-s")
    tiers = pd.read_csv(out / "credit" / "tiers.csv")
    assert set(tiers["tier"]) <= set("ABCD") and tiers["enterprise_id"].is_unique


def test_summary_says_the_city_is_synthetic_and_quotes_the_real_markets_as_docs_evaluation_has_them():

    doc = (Path(__file__).resolve().parents[2] / "docs" / "evaluation.md").read_text(encoding="utf-8")
    r = demo.REAL_MARKETS
    assert f"### Side by side (measured {r['measured']})" in doc  # the page, and the date it was measured
    rows: dict = {}
    for line in doc.split("### Side by side")[1].splitlines():  # the first table after the heading
        if line.startswith("| "):
            rows.setdefault(line.split("|")[1].strip(), line)
    for market in ("Japan", "Italy", "Switzerland"):
        cells = [c.strip() for c in rows[market.lower()].split("|")[1:-1]]
        assert cells[2] == f"{r['no_model_auc'][market]:.3f}"
        assert cells[6].startswith(f"{r['within_auc'][market]:.3f}")
        assert cells[8].startswith(f"{r['transfer_auc'][market]:.3f}")
    lines = demo.real_market_lines()
    assert "synthetic" in lines[0] and f"measured {r['measured']}" in lines[1] and "Japan 0.739" in lines[2]


def test_demo_never_deletes_a_users_files(tmp_path):
    from experiments.demo import run_demo

    w = tmp_path / "w"
    _bids(w / "data", "T1,B1,100\n")
    (w / "data" / "notes.txt").write_text("my notes")
    (w / "data" / "contracts").mkdir()
    (w / "data" / "contracts" / "c1.pdf").write_bytes(b"%PDF-1.4 x")
    with pytest.raises(InputError, match="bids.csv: already exists"):
        run_demo(w, "tiny", log=lambda s: None)
    assert (w / "data" / "notes.txt").read_text() == "my notes" and (w / "data" / "contracts" / "c1.pdf").exists()
    assert (w / "data" / "bids.csv").read_text().endswith("T1,B1,100\n")


def test_the_demo_keeps_its_tracking_store_under_out_unless_the_environment_names_one(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    d = demo.run_demo(tmp_path / "out", only=(), log=lambda line: None)
    store = d.outputs["MLflow tracking store (runs, registered models)"]
    assert store == f"sqlite:///{(tmp_path / 'out' / 'mlflow').resolve() / 'mlflow.db'}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing in the folder it was started from
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///shared.db")
    d = demo.run_demo(tmp_path / "out2", only=(), log=lambda line: None)
    assert d.outputs["MLflow tracking store (runs, registered models)"] == "sqlite:///shared.db"
    assert "stages done in" in demo.summary_text(d) and d.total_seconds is not None


def test_tables_no_later_stage_reads_are_dropped_after_collusion_and_credit(tmp_path):
    from features.io.dataset import Dataset
    from riskmodels.credit.pipeline import FAMILIES
    from riskmodels.evidence import Evidence
    from riskmodels.inspection.planner import DATASET_TABLES

    assert set(demo.later_reads()["inspection"]) == set(DATASET_TABLES)
    assert set(demo.later_reads()["credit"]) == {t for f in FAMILIES.values() for t in f} | {"credit_labels"}
    names = ["tenders", "bids", "bid_items", "enterprises", "shareholders", "credit_events", "inspections",
             "credit_labels", "roster", "inspectors"]
    ds = Dataset(tmp_path, tables={n: pd.DataFrame({"x": [1]}) for n in names})
    ds.counts = {n: {"read": 1, "accepted": 1, "rejected": 0} for n in names}
    d = demo.Demo(out=tmp_path, ds=ds, ev=Evidence(ds))
    d.ev._tables["k"] = pd.DataFrame({"t": [1]})
    d.ev.__dict__["screens"] = pd.DataFrame({"t": [1]})
    for stage in ("validate", "screens", "pairs", "flags", "graphs"):
        demo.release_tables(d, stage)  # the tender side's stages read what the next ones read: nothing is dropped
    assert sorted(ds.tables) == sorted(names) and d.ev._tables
    demo.release_tables(d, "collusion")
    assert "bid_items" not in ds.tables and len(ds.tables) == len(names) - 1
    assert not d.ev._tables and "screens" not in d.ev.__dict__
    demo.release_tables(d, "credit")
    assert sorted(ds.tables) == sorted(DATASET_TABLES) and ds.counts["bids"]["read"] == 1  # the accounting stays
