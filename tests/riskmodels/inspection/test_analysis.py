"""riskmodels.inspection.analysis: the decision analysis of circulated plans and its Hajek estimate."""
from __future__ import annotations
import json
import re
import pandas as pd
import os
import pytest
from riskmodels.inspection.analysis import INSPECTION_COLUMNS, _inspections
from tests.riskmodels.inspection.plans import small_plan_inputs, write_csv


@pytest.mark.slow
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


@pytest.mark.slow
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


def test_no_inspections_give_the_columns_with_no_row():
    ins = _inspections(None, None)
    assert list(ins.columns) == list(INSPECTION_COLUMNS) and len(ins) == 0 and ins["known"].dtype == bool


@pytest.mark.parametrize("inspections", [None, "header"])
def test_a_report_without_inspections_is_made(cli, tmp_path, inspections):
    d, tiers = small_plan_inputs(tmp_path, inspections=inspections)
    if inspections == "header":
        write_csv(d / "inspections.csv", ["enterprise_id", "inspected_on", "department"], [])
    cli("inspect", "plan", d, "--tiers", tiers, "--seed", "s1", "--out", tmp_path / "plan")
    cli("inspect", "report", d, "--plans", tmp_path / "plan", "--out", tmp_path / "rep")
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png") >= 1 and (tmp_path / "rep" / "report.xlsx").is_file()


def test_links_at_temporary_names_never_redirect_the_report(cli, tmp_path):
    d, tiers = small_plan_inputs(tmp_path, inspections="rows")
    cli("inspect", "plan", d, "--tiers", tiers, "--seed", "s1", "--out", tmp_path / "plan")
    out, outside = tmp_path / "rep", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (outside / "ledger.txt").write_text("precious\n")
    for name in (".index.html.tmp", ".report.xlsx.tmp", "index.html.tmp", "report.xlsx.tmp"):
        os.symlink(outside / "ledger.txt", out / name)
    cli("inspect", "report", d, "--plans", tmp_path / "plan", "--out", out)
    assert (outside / "ledger.txt").read_text() == "precious\n" and [p.name for p in outside.iterdir()] == ["ledger.txt"]
    assert not (out / "index.html").is_symlink() and (out / "index.html").stat().st_size > 1000
