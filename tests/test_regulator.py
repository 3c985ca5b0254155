"""The regulator's side on a small simulated city: tiers reproducible with the side inputs the model was trained
with, red and black lists, enterprise profiles (en/zh, escaped, batch), plans a bureau can circulate, decision analysis."""
from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

FAST = "[credit]\nmax_rounds = 60\ninner_folds = 3\nfolds = 3\n"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A 400-firm city with one firm registered under a name that tries HTML and a formula, its groups as 'graph groups'
    writes them, a credit model trained with those groups, and its tiers."""
    from tests.conftest import run_cli
    from features.core.settings import load_settings
    from riskmodels.simulation import simulate

    d = tmp_path_factory.mktemp("reg")
    s = d / "sim.toml"
    s.write_text("[simulate]\nenterprises = 400\ntenders = 150\ncartels = 2\n", encoding="utf-8")
    simulate(d / "city", scale="tiny", seed=5, settings=load_settings(s))
    ent = pd.read_csv(d / "city" / "enterprises.csv", dtype=str, keep_default_na=False)
    ent.loc[3, "name"] = '<script>alert("x")</script>=HYPERLINK("http://e.example")'
    ent.to_csv(d / "city" / "enterprises.csv", index=False)
    fast = d / "fast.toml"
    fast.write_text(FAST, encoding="utf-8")
    run_cli("graph", "groups", d / "city", "--out", d / "groups.csv", err="groups")
    run_cli("--settings", fast, "credit", "train", d / "city", "--model-out", d / "model", "--groups", d / "groups.csv",
            err="held-out auc")
    run_cli("--settings", fast, "credit", "tier", d / "city", "--model", d / "model", "--out", d / "tiers.csv",
            "--groups", d / "groups.csv", err="tiered")
    return {"dir": d, "data": d / "city", "fast": fast, "tiers": d / "tiers.csv", "ent": ent}


def test_tier_builds_the_groups_the_model_was_trained_with(city, cli, tmp_path):
    c = city
    a = pd.read_csv(c["tiers"], dtype=str)
    # without --groups they are computed from the same inputs, as training's 'graph groups' did: the same tiers
    cli("--settings", c["fast"], "credit", "tier", c["data"], "--model", c["dir"] / "model", "--out", tmp_path / "t.csv",
        err="building bidder groups")
    b = pd.read_csv(tmp_path / "t.csv", dtype=str)
    assert (a["tier"] == b["tier"]).all() and (a["probability"] == b["probability"]).all()


def test_tier_names_the_side_input_it_cannot_build(city, cli, tmp_path):
    c = city
    bids = pd.read_csv(c["data"] / "bids.csv", dtype=str)
    scores = pd.DataFrame({"tender_id": bids["tender_id"].unique(), "score": 0.5})
    scores.to_csv(tmp_path / "scores.csv", index=False)
    cli("--settings", c["fast"], "credit", "train", c["data"], "--model-out", tmp_path / "m", "--collusion-scores",
        tmp_path / "scores.csv", err="held-out auc")
    cli("credit", "tier", c["data"], "--model", tmp_path / "m", "--out", tmp_path / "t.csv", code=2,
        err="give --collusion-scores FILE")
    assert not (tmp_path / "t.csv").exists()
    cli("credit", "tier", c["data"], "--model", tmp_path / "m", "--out", tmp_path / "t.csv", "--collusion-scores",
        tmp_path / "scores.csv", err="tiered")


def test_group_members_from_either_shape():
    from riskmodels.credit.pipeline import group_members_table

    wide = pd.DataFrame({"group_id": [1, 2], "members": ["a;b", "c;d;e"], "score": [0.5, 0.4]})
    long = group_members_table(wide)
    assert list(long.columns) == ["bidder_id", "group_id"] and len(long) == 5 and set(long["group_id"]) == {"1", "2"}
    assert group_members_table(pd.DataFrame({"enterprise_id": ["a"], "group_id": [7]}))["bidder_id"].tolist() == ["a"]
    with pytest.raises(Exception, match="members column"):
        group_members_table(pd.DataFrame({"group_id": [1], "size": [2]}))


def test_lists_each_row_with_its_rule(city, cli, tmp_path):
    c = city
    out = tmp_path / "lists"
    cli("credit", "lists", c["data"], "--tiers", c["tiers"], "--out", out, err="black list")
    red, black = (pd.read_csv(out / f"{k}.csv", dtype=str, keep_default_na=False) for k in ("red", "black"))
    assert len(black) > 0 and (black["rule"] != "").all() and (red["rule"] != "").all()
    assert not set(red["enterprise_id"]) & set(black["enterprise_id"])
    ev = pd.read_csv(c["data"] / "credit_events.csv", dtype=str)
    t = pd.read_csv(c["tiers"], dtype=str)
    when = pd.Timestamp(t["as_of"].iloc[0])
    d = pd.to_datetime(ev["occurred_on"])
    listed = set(ev.loc[ev["event_type"].isin(["serious_illegal_dishonest_list", "dishonest_judgment_debtor"])
                        & (d < when) & (d >= when - pd.Timedelta(days=1095)), "enterprise_id"])
    assert listed <= set(black["enterprise_id"])  # the documented event rule, checked against the data
    assert set(t.loc[t["enterprise_id"].isin(red["enterprise_id"]), "tier"]) <= {"A"}
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "high stratum" in m["effect_on_inspection_plans"]["black"] and '"/' not in (out / "manifest.json").read_text()
    cli("credit", "lists", c["data"], "--tiers", c["tiers"], "--out", out, code=2, err="--force")
    dec = tmp_path / "dec.csv"
    first_black = black["enterprise_id"].iloc[0]
    pd.DataFrame({"enterprise_id": [first_black], "list": ["none"], "reason": ["appeal upheld"]}).to_csv(dec, index=False)
    cli("credit", "lists", c["data"], "--tiers", c["tiers"], "--out", out, "--decisions", dec, "--force")
    assert first_black not in set(pd.read_csv(out / "black.csv", dtype=str)["enterprise_id"])
    # the lists' effect on a plan: black-listed firms in the high stratum, verified with the lists as inputs
    black = pd.read_csv(out / "black.csv", dtype=str)
    plan = tmp_path / "plan"
    cli("inspect", "plan", c["data"], "--tiers", c["tiers"], "--seed", "s", "--out", plan, "--lists", out, err="black moved")
    inc = pd.read_csv(plan / "inclusion.csv", dtype=str)
    assert set(inc.loc[inc["enterprise_id"].isin(black["enterprise_id"]), "tier"]) == {"D"}
    cli("inspect", "verify", plan, out="OK")
    black.iloc[1:].to_csv(out / "black.csv", index=False)
    cli("inspect", "verify", plan, code=1, out="input changed")


def _text(p):
    return html.unescape(re.sub(r"<[^>]+>", " ", p.read_text(encoding="utf-8")))


def test_profile_shows_the_firm_escaped_in_both_languages(city, cli, tmp_path):
    c = city
    t = pd.read_csv(c["tiers"], dtype=str, keep_default_na=False)
    top = t.sort_values("probability", key=pd.to_numeric, ascending=False).iloc[0]
    eid = top["enterprise_id"]
    ev = pd.read_csv(c["data"] / "credit_events.csv", dtype=str)
    ins = pd.read_csv(c["data"] / "inspections.csv", dtype=str)
    n_ev, n_in = int((ev.enterprise_id == eid).sum()), int((ins.enterprise_id == eid).sum())
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "p.html",
        "--groups", c["dir"] / "groups.csv", err="wrote")
    text = _text(tmp_path / "p.html")
    name = c["ent"].set_index("enterprise_id").loc[eid, "name"]
    assert name in text and f"{n_ev} credit events" in text and f"{n_in} inspections" in text
    assert top["reasons"].split(";")[0].strip() in text and f"as of {top['as_of']}" in text
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://e.example", "") and "<link" not in page  # offline: no outside resource
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "p.html", code=2,
        err="--force")
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "zh.html", "--lang", "zh")
    assert f"信用记录 {n_ev} 条" in _text(tmp_path / "zh.html")
    # the firm whose name is HTML: escaped, never markup
    odd = c["ent"].loc[3, "enterprise_id"]
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", odd, "--out", tmp_path / "odd.html")
    raw = (tmp_path / "odd.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", "NOPE", "--out", tmp_path / "x.html", code=2,
        err="not in the enterprises table")
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{eid}\n{odd}\n", encoding="utf-8")
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--ids", ids, "--out", tmp_path / "batch", err="2 profiles")
    index = (tmp_path / "batch" / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 3 and all((tmp_path / "batch" / f"{e}.html").exists() for e in (eid, odd))


def test_circulated_plan_and_decision_analysis(city, cli, tmp_path):
    from openpyxl import load_workbook

    from riskmodels.inspection.analysis import read_plan
    from riskmodels.simulation.outcomes import simulate_results

    c = city
    plan = tmp_path / "plan"
    cli("inspect", "plan", c["data"], "--tiers", c["tiers"], "--seed", "s", "--out", plan, "--lang", "zh", err="visits")
    m = json.loads((plan / "manifest.json").read_text(encoding="utf-8"))
    as_of = pd.Timestamp(pd.read_csv(c["tiers"], dtype=str)["as_of"].iloc[0])
    assert m["period"] == (as_of.to_period("M") + 1).strftime("%Y-%m")
    wb = load_workbook(plan / "plan.xlsx")
    assert wb.sheetnames == ["检查计划", "未安排", "分层抽取"]
    ws = wb["检查计划"]
    head = [x.value for x in ws[1]]
    assert {"企业名称", "地址", "执法检查人员", "触发原因（仅限内部）"} <= set(head)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.column_dimensions["C"].width > 10
    insp = pd.read_csv(c["data"] / "inspectors.csv", dtype=str)
    who = head.index("执法检查人员")
    first = ws.cell(row=2, column=who + 1).value
    assert any(n in first for n in insp["name"]) and "市场监管" in "".join(str(x.value) for x in ws["F"])
    notice = load_workbook(plan / "notice.xlsx")
    cells = {str(x.value) for s in notice for row in s.iter_rows() for x in row}
    assert not cells & set(insp["inspector_id"]) and "信用等级" not in cells
    cli("inspect", "verify", plan, out="OK")
    # decision analysis, without results (planned only) and with the visits' results simulated from the truth
    cli("inspect", "report", c["data"], "--plans", plan, "--out", tmp_path / "r0", err="no estimate")
    truth = pd.read_csv(c["data"] / "truth" / "enterprises.csv", dtype={"enterprise_id": str})
    res = simulate_results(read_plan(plan).visits, truth, seed=1)
    res.to_csv(tmp_path / "results.csv", index=False)
    r = cli("inspect", "report", c["data"], "--plans", plan, "--results", tmp_path / "results.csv", "--out",
            tmp_path / "rep", err="violation rate")
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<img\b", page)) >= 4
    x = load_workbook(tmp_path / "rep" / "report.xlsx")
    assert x.sheetnames == ["plans", "by department and tier", "burden", "coverage", "estimate"]
    assert all(x[n].freeze_panes == "A2" and x[n].auto_filter.ref for n in x.sheetnames)
    est = pd.read_excel(tmp_path / "rep" / "report.xlsx", sheet_name="estimate")
    assert 0 <= est["95% low"].iloc[0] <= est["Estimated violation rate"].iloc[0] <= est["95% high"].iloc[0] <= 1
    assert 0 < est["Drawn checks with a result"].iloc[0] <= est["Checks drawn at random"].iloc[0]  # unstaffed draws have no result
    dt = pd.read_excel(tmp_path / "rep" / "report.xlsx", sheet_name="by department and tier")
    assert dt["Done"].sum() == dt["Planned"].sum() == len(res)
    cli("inspect", "report", c["data"], "--plans", plan, "--out", tmp_path / "zh", "--lang", "zh")
    assert "违法率估计" in load_workbook(tmp_path / "zh" / "report.xlsx").sheetnames
    assert "violation rate" in r.stderr


def test_hajek_estimate_is_unbiased_over_draws():
    """The estimator on a known population: drawn with the planner's probabilities, averaged over many draws."""
    import numpy as np

    from riskmodels.inspection.draw import pareto_rank, stratum_probabilities
    from riskmodels.inspection.analysis import PlanFolder, estimate_violation_rate

    rng = np.random.default_rng(0)
    n, x = 400, 40.0
    risk = rng.beta(1, 5, n)
    y = (rng.random(n) < risk).astype(int)  # a fixed population of outcomes
    p = np.array(stratum_probabilities(x, list(risk), 6.0, 0.05))
    ids = [f"F{i}" for i in range(n)]
    ests = []
    for k in range(300):
        u = rng.random(n)
        chosen = set(np.array(ids)[np.argsort([pareto_rank(a, b) for a, b in zip(u, p)])[:40]])
        inc = pd.DataFrame({"department": "d", "enterprise_id": ids, "tier": "C", "risk": risk, "eligible": 1,
                            "inclusion_probability": p, "drawn": [int(i in chosen) for i in ids]})
        rows = pd.DataFrame({"department": "d", "enterprise_id": ids, "done": inc["drawn"], "violation": y * inc["drawn"]})
        e = estimate_violation_rate(PlanFolder(None, {"period": "x"}, pd.DataFrame(), inc), rows)
        ests.append(e["estimate"])
    assert abs(np.mean(ests) - y.mean()) < 0.25 * np.std(ests) + 0.01  # no visible bias, the naive share is far off
    assert np.mean([y[[i for i in range(n) if p[i] > np.median(p)]].mean()]) > y.mean() + 0.05
