"""riskmodels.inspection.evaluate: lift against a uniform double-random plan, inputs read once."""
from __future__ import annotations

import json
import shutil
import pytest
from riskmodels.inspection import make_plan, verify_plan
from tests.riskmodels.inspection.city import PERIOD, city, write


def test_simulate_reports_lift_against_uniform_plan(tmp_path, cli):
    t = city(n=800, capacity=100)
    d, tiers = write(tmp_path, t)
    r = cli("inspect", "simulate", d, "--tiers", tiers, "--runs", "3", "--period", PERIOD, "--json")
    m = json.loads(r.stdout.strip().splitlines()[-1])
    vp = t["truth"].set_index("enterprise_id").violation_prob
    roster_mean = vp.reindex(t["roster"].enterprise_id.unique()).mean()
    assert m["uniform_violations_per_visit"]["mean"] == pytest.approx(roster_mean)
    assert m["lift"]["mean"] > 1.5 and m["visits_saved"]["mean"] > 0 and 0 < m["a_disturbed"]["mean"] < 0.05
    cli("inspect", "simulate", d, "--tiers", tiers, "--runs", "2", "--period", PERIOD, out="spread")
    cli("inspect", "simulate", d, "--tiers", tiers, "--runs", "2", code=2, err="no as_of column")


def test_inputs_read_once_give_the_same_plan_and_lift_and_must_be_the_same_files(tmp_path):
    from features.core.settings import Settings
    from riskmodels.inspection.evaluate import simulate_plans
    from riskmodels.inspection.planner import load_inputs, locate_inputs

    t = city(n=400, capacity=100)
    d, tiers = write(tmp_path, t)
    loaded = load_inputs(locate_inputs(d, tiers), Settings())
    make_plan(d, tiers, PERIOD, "x", tmp_path / "read" / "p")
    make_plan(d, tiers, PERIOD, "x", tmp_path / "given" / "p", loaded=loaded)
    for name in ("plan.csv", "strata.csv", "inclusion.csv", "unassigned.csv", "notice.csv", "manifest.json", "notice.md"):
        assert (tmp_path / "read" / "p" / name).read_bytes() == (tmp_path / "given" / "p" / name).read_bytes(), name
    verify_plan(tmp_path / "given" / "p")
    assert simulate_plans(d, tiers, PERIOD, "x", runs=2) == simulate_plans(d, tiers, PERIOD, "x", runs=2, loaded=loaded)
    other = tmp_path / "other-tiers.csv"
    shutil.copyfile(tiers, other)
    with pytest.raises(ValueError, match="other files or with other settings"):
        make_plan(d, other, PERIOD, "x", tmp_path / "wrong" / "p", loaded=loaded)
    assert not (tmp_path / "wrong").exists()
    s = Settings()
    s.validate.reject_duplicates = False
    with pytest.raises(ValueError, match="other files or with other settings"):
        simulate_plans(d, tiers, PERIOD, "x", runs=1, settings=s, loaded=loaded)


def test_inputs_taken_from_a_loaded_dataset_give_the_same_plan_and_another_folder_is_read(tmp_path):
    from features.core.settings import Settings
    from features.io.dataset import load_dataset
    from riskmodels.inspection.planner import load_inputs, locate_inputs

    t = city(n=400, capacity=100)
    d, tiers = write(tmp_path, t)
    whole = load_dataset(d, Settings())  # every table, as the demo's validate stage loads them
    given = load_inputs(locate_inputs(d, tiers), Settings(), dataset=whole)
    assert given.dataset is whole  # not read and validated a second time
    make_plan(d, tiers, PERIOD, "x", tmp_path / "read" / "p")
    make_plan(d, tiers, PERIOD, "x", tmp_path / "given" / "p", loaded=given)
    for name in ("plan.csv", "strata.csv", "inclusion.csv", "unassigned.csv", "notice.csv", "manifest.json", "notice.md"):
        assert (tmp_path / "read" / "p" / name).read_bytes() == (tmp_path / "given" / "p" / name).read_bytes(), name
    verify_plan(tmp_path / "given" / "p")
    elsewhere = tmp_path / "copy"
    shutil.copytree(d, elsewhere)
    assert load_inputs(locate_inputs(d, tiers), Settings(), dataset=load_dataset(elsewhere, Settings())).dataset.path == d
    partial = load_dataset(d, Settings(), tables=["enterprises"])
    assert load_inputs(locate_inputs(d, tiers), Settings(), dataset=partial).dataset is not partial


def test_only_the_tier_columns_a_plan_reads_are_read_and_the_plan_does_not_change(tmp_path):
    import pandas as pd
    from features.core.settings import Settings
    from riskmodels.inspection.planner import load_inputs, locate_inputs, tier_columns
    from riskmodels.inspection.policy import Policy

    import dataclasses
    from riskmodels.inspection.planner import read_file_table

    t = city(n=400, capacity=100)
    d, tiers = write(tmp_path, t)
    frame = pd.read_csv(tiers, dtype=str, keep_default_na=False)  # written reasons, as `credit tier` writes them
    frame["reasons"] = [f'late filing, "fine" {i}\nsecond line' for i in range(len(frame))]
    frame.to_csv(tiers, index=False)
    loaded = load_inputs(locate_inputs(d, tiers), Settings())
    policy = Policy.from_settings(Settings().inspect)
    assert list(loaded.tiers.columns) == [c for c in frame.columns if c in tier_columns(policy)]
    assert "reasons" not in loaded.tiers.columns
    whole = dataclasses.replace(loaded, tiers=read_file_table(tiers), prepared={})  # every column, as before
    assert "reasons" in whole.tiers.columns
    make_plan(d, tiers, PERIOD, "x", tmp_path / "whole" / "p", loaded=whole)
    make_plan(d, tiers, PERIOD, "x", tmp_path / "columns" / "p", loaded=loaded)
    for name in ("plan.csv", "strata.csv", "inclusion.csv", "unassigned.csv", "notice.csv", "manifest.json"):
        assert (tmp_path / "whole" / "p" / name).read_bytes() == (tmp_path / "columns" / "p" / name).read_bytes(), name
    verify_plan(tmp_path / "columns" / "p")
    other = Policy.from_settings({**Settings().inspect.__dict__, "risk_column": "model_score"})
    with pytest.raises(ValueError, match="without the column.*model_score"):
        loaded.plan_inputs(other)


def test_a_side_file_row_that_does_not_fit_stops_the_plan_naming_the_row(tmp_path, cli):
    t = city(n=200, capacity=50)
    d, tiers = write(tmp_path, t)
    trig = tmp_path / "triggers.csv"
    trig.write_text(f"enterprise_id,reason\n{t['tiers']['enterprise_id'].iloc[0]},complaint\nE9,a,b\n", encoding="utf-8")
    cli("inspect", "plan", d, "--tiers", tiers, "--triggers", trig, "--period", PERIOD, "--seed", "s",
        "--out", tmp_path / "p", code=2, err="triggers.csv: row 3: record has 3 fields, header has 2")
    assert not (tmp_path / "p").exists()
    bad = tmp_path / "tiers-bad.csv"
    bad.write_text(tiers.read_text(encoding="utf-8-sig") + "E1,A\n", encoding="utf-8")
    cli("inspect", "plan", d, "--tiers", bad, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "q", code=2,
        err="tiers-bad.csv: row")
