"""`riskmodels demo` orchestration: skipping is explicit, the truth measurements are right, the summary says where things are."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from experiments import demo
from experiments.tasks import StageUnavailable, require


def test_require_names_what_is_missing():
    with pytest.raises(StageUnavailable, match="no_such_module_xyz is not in this installation yet \\(issue 99\\)"):
        require("no_such_module_xyz", "f", issue="issue 99")
    with pytest.raises(StageUnavailable, match="features.errors has no nothing_here"):
        require("features.errors", "InputError", "nothing_here")
    assert require("features.errors", "InputError").__name__ == "InputError"


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


def test_missing_stage_is_skipped_with_its_reason_and_dependants_follow(tmp_path, monkeypatch):
    def unavailable(d):
        """A stage whose library is absent."""
        raise StageUnavailable("lib.x is not in this installation yet")

    def dependant(d):
        """Needs validate."""
        d.need("ds", "validate")
        return {"never": 1}

    def fine(d):
        """Always works."""
        d.output("a file", tmp_path / "f.csv")
        return {"rows": 3}

    monkeypatch.setattr(demo, "STAGES", [("simulate", unavailable), ("validate", fine), ("graphs", dependant)])
    lines = []
    d = demo.run_demo(tmp_path / "out", "tiny", log=lines.append)
    assert d.skipped == {"simulate": "lib.x is not in this installation yet",
                         "graphs": "needs the validate stage, which did not run"}
    assert d.results == {"validate": {"rows": 3}}
    assert any("SKIPPED - lib.x" in line for line in lines)
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(doc["seconds"]) == {"simulate", "validate", "graphs"} and doc["failed_stage"] is None
    text = demo.summary_text(d)
    assert "skipped simulate: lib.x" in text and str(tmp_path / "f.csv") in text and "MLflow tracking store" in text


def test_a_real_error_stops_the_demo_with_the_stage_named(tmp_path, monkeypatch):
    def broken(d):
        """Breaks."""
        raise ValueError("bad")

    monkeypatch.setattr(demo, "STAGES", [("screens", broken)])
    with pytest.raises(ValueError) as e:
        demo.run_demo(tmp_path / "out", "tiny", log=lambda s: None)
    assert "demo stage 'screens' failed" in " ".join(getattr(e.value, "__notes__", []))
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["failed_stage"] == "screens"


def test_cli_rejects_unknown_scale(cli, tmp_path):
    cli("demo", "--scale", "galaxy", "--out", tmp_path, code=2, err="--scale must be one of tiny, city")
