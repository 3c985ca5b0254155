"""Decision analysis (决策分析): the district's inspections summed up for leaders, per department and credit tier.

For each plan folder given (one period each) and the dataset's `inspections` (plus an optional results file of the same
shape for visits not yet in the dataset):
- visits planned (a joint visit counts once per department) and done (an inspection of a planned firm by that department
  inside the plan's window), violations found per visit done, by department and tier; joint visits and visits saved;
- burden: inspections per firm per year by tier over the year before the period (all inspections: planned draws,
  triggers and each department's own checks);
- roster coverage: share of each department's roster firms inspected in that year, and drawn in the plan;
- the population's violation rate estimated from the random draws: the drawn (department, firm) rows whose result is
  known, each weighted by 1 / its inclusion probability (inclusion.csv of the plan), with a design-based 95% interval
  (`riskmodels.inspection.estimate`); beside it the plain share of violations among visits done, which over-states the
  rate because risky firms are drawn more often.
`write_report` writes `index.html` (charts as inline PNG, matplotlib) and `report.xlsx` (the tables).
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features.io import codes
from features.core.errors import InputError
from riskmodels.inspection.policy import TIERS



@dataclass
class PlanFolder:
    """A plan folder read back: its manifest, visits, inclusion probabilities and the tiers it was drawn from."""

    path: Path
    manifest: dict
    visits: pd.DataFrame
    inclusion: pd.DataFrame | None
    tiers: dict = field(default_factory=dict)

    @property
    def period(self) -> str:
        return str(self.manifest.get("period"))

    @property
    def window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        a, b = str(self.manifest["summary"]["window"]).split("/")
        return pd.Timestamp(a), pd.Timestamp(b)


def read_plan(folder) -> PlanFolder:
    """A plan folder written by `inspect plan` (manifest.json, plan.csv; inclusion.csv and the tiers when present)."""
    folder = Path(folder)
    mpath = folder / "manifest.json"
    if not mpath.is_file() or not (folder / "plan.csv").is_file():
        raise InputError(f"{folder}: not a plan folder (needs manifest.json and plan.csv from 'riskmodels inspect plan')")
    try:
        m = json.loads(mpath.read_text(encoding="utf-8"))
        m["summary"]["window"]
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{mpath}: unreadable plan manifest ({type(e).__name__})") from None
    visits = pd.read_csv(folder / "plan.csv", dtype=str, keep_default_na=False)
    for c in ("enterprise_id", "tier", "departments"):
        if c not in visits.columns:
            raise InputError(f"{folder / 'plan.csv'}: column '{c}' is missing")
    inc = None
    if (folder / "inclusion.csv").is_file():
        inc = pd.read_csv(folder / "inclusion.csv", dtype={"department": str, "enterprise_id": str, "tier": str})
    tiers = {}
    rel = ((m.get("inputs") or {}).get("tiers") or {}).get("relative")
    if rel and (folder / rel).is_file():
        t = pd.read_csv(folder / rel, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if {"enterprise_id", "tier"} <= set(t.columns):
            tiers = dict(zip(t["enterprise_id"].str.strip(), t["tier"].str.strip()))
    if not tiers and inc is not None:
        tiers = dict(zip(inc["enterprise_id"], inc["tier"]))
    return PlanFolder(folder, m, visits, inc, tiers)


INSPECTION_COLUMNS = {"enterprise_id": object, "date": "datetime64[ns]", "department": object, "fail": "int64", "known": bool}


INSPECTION_READ = ("enterprise_id", "inspected_on", "department", "result")  # the columns `_inspections` reads


def _inspections(inspections: pd.DataFrame | None, results: pd.DataFrame | None) -> pd.DataFrame:
    """The inspections and results as (enterprise_id, date, department, fail, known) rows; with neither (no table, or a
    header only) the same columns with no row: the report then says what it can (planned, roster, estimate notes)."""
    parts = [x for x in (inspections, results) if x is not None and len(x)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in INSPECTION_COLUMNS.items()})
    df = pd.concat(parts, ignore_index=True)
    for c in ("enterprise_id", "inspected_on"):
        if c not in df.columns:
            raise InputError(f"inspections: column '{c}' is missing")
    res = df.get("result", pd.Series("", index=df.index)).astype(str).str.strip().str.lower()
    out = pd.DataFrame({"enterprise_id": df["enterprise_id"].astype(str).str.strip(),
                        "date": pd.to_datetime(df["inspected_on"], errors="coerce"),
                        "department": df.get("department", pd.Series("", index=df.index)).astype(str).str.strip(),
                        "fail": (res == codes.INSPECTION_FAIL).astype(int), "known": res.isin(codes.INSPECTION_RESULTS)})
    return out[out["date"].notna()].drop_duplicates().reset_index(drop=True)


def planned_and_done(plan: PlanFolder, ins: pd.DataFrame) -> pd.DataFrame:
    """One row per planned (department, firm): tier, joint (visit with 2+ departments), triggered, done, violation."""
    rows = []
    for r in plan.visits.itertuples(index=False):
        depts = [d for d in str(r.departments).split(";") if d]
        for d in depts:
            rows.append((d, r.enterprise_id, r.tier, int(len(depts) > 1), int(getattr(r, "triggered", "0") in ("1", 1))))
    df = pd.DataFrame(rows, columns=["department", "enterprise_id", "tier", "joint", "triggered"])
    a, b = plan.window
    seen = ins[(ins["date"] >= a) & (ins["date"] <= b) & ins["known"]]
    got = seen.groupby(["department", "enterprise_id"])["fail"].max()
    key = pd.MultiIndex.from_frame(df[["department", "enterprise_id"]])
    df["done"] = key.isin(got.index).astype(int)
    df["violation"] = got.reindex(key).fillna(0).astype(int).to_numpy() * df["done"]
    return df


def by_department_tier(pd_rows: pd.DataFrame, labels: dict) -> pd.DataFrame:
    g = pd_rows.groupby(["department", "tier"])
    out = pd.DataFrame({"planned": g.size(), "done": g["done"].sum(), "violations": g["violation"].sum(),
                        "joint": g["joint"].sum(), "triggered": g["triggered"].sum()}).reset_index()
    out["violations_per_visit"] = np.where(out["done"] > 0, out["violations"] / out["done"].clip(lower=1), np.nan)
    out.insert(1, "department_label", out["department"].map(lambda d: labels.get(d) or d))
    return out


def burden(ins: pd.DataFrame, tiers: dict, start: pd.Timestamp, roster: pd.DataFrame | None,
           labels: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(inspections per firm per year by tier, roster coverage by department) over the 365 days before `start`."""
    year = ins[(ins["date"] < start) & (ins["date"] >= start - pd.Timedelta(days=365))]
    firms = pd.Series(tiers, dtype=object)
    per_tier = []
    for t in TIERS:
        ids = set(firms[firms == t].index)
        n = int(year["enterprise_id"].isin(ids).sum())
        fails = int(year.loc[year["enterprise_id"].isin(ids), "fail"].sum())
        per_tier.append({"tier": t, "firms": len(ids), "inspections": n,
                         "inspections_per_firm_per_year": n / len(ids) if ids else np.nan,
                         "violations_per_inspection": fails / n if n else np.nan})
    cov = []
    if roster is not None and len(roster):
        r = pd.DataFrame({"department": roster["department"].astype(str).str.strip(),
                          "enterprise_id": roster["enterprise_id"].astype(str).str.strip()}).drop_duplicates()
        seen = set(zip(year["department"], year["enterprise_id"]))
        r["inspected"] = [(d, e) in seen for d, e in zip(r["department"], r["enterprise_id"])]
        for d, g in r.groupby("department"):
            cov.append({"department": d, "department_label": labels.get(d) or d, "roster_firms": int(len(g)),
                        "inspected_last_year": int(g["inspected"].sum()), "coverage": float(g["inspected"].mean())})
    return pd.DataFrame(per_tier), pd.DataFrame(cov, columns=["department", "department_label", "roster_firms",
                                                               "inspected_last_year", "coverage"])


def estimate_violation_rate(plan: PlanFolder, rows: pd.DataFrame) -> dict:
    """The roster's violation rate from the random draws with known results (`estimate.violation_rate`: model-assisted
    difference estimator weighted by 1 / inclusion probability, Korn-Graubard 95% interval); the share of violations
    among those visits (`naive`) beside it. `drawn` counts (department, firm) draws, `visits` the firms."""
    from riskmodels.inspection.estimate import violation_rate

    inc = plan.inclusion
    out = {"period": plan.period, "drawn": 0, "with_result": 0, "estimate": None, "se": None, "low": None, "high": None,
           "naive": None, "population_rows": None, "visits": int(len(plan.visits))}
    if inc is None:
        out["note"] = "the plan has no inclusion.csv (drawn before inclusion probabilities were recorded)"
        return out
    el = inc[inc["eligible"] == 1]
    out["population_rows"] = int(len(el))
    drawn = el[el["drawn"] == 1].merge(rows[["department", "enterprise_id", "done", "violation"]],
                                       on=["department", "enterprise_id"], how="left")
    out["drawn"] = int(len(drawn))
    known = drawn[drawn["done"] == 1]
    out["with_result"] = int(len(known))
    if len(known) < 2:
        out["note"] = (f"{len(known)} of {len(drawn)} randomly drawn visits have a recorded result in the period: "
                       "too few for an estimate (record the results, or give --results)")
        return out
    r = violation_rate(known.assign(y=known["violation"].astype(float)), el)
    out.update(estimate=r["estimate"], se=r["se"], low=r["low"], high=r["high"],
               naive=float(known["violation"].astype(float).mean()))
    if len(known) < len(drawn):
        out["note"] = f"{len(drawn) - len(known)} drawn visits without a result are left out (assumed missing at random)"
    return out


def analyse(tables, plans: list[PlanFolder], settings, results: pd.DataFrame | None = None, lang: str = "en") -> dict:
    """Every table of the report (DataFrames) and the estimates, one plan (period) after another."""
    from riskmodels.inspection.exports import labels_for

    labels = labels_for(settings.inspect.department_labels, lang)
    there = tables.kept("inspections") if hasattr(tables, "kept") else None
    # kept on the workers: only the columns the report reads come here, and only the rows of its dates (each plan's
    # window and the year before it: nothing else is read)
    window = None
    if plans and there is not None and "inspected_on" in there.columns:
        window = ("inspected_on", min(p.window[0] for p in plans) - pd.Timedelta(days=365), max(p.window[1] for p in plans))
    ins = _inspections(tables.get("inspections") if there is None else
                       there.collect([c for c in INSPECTION_READ if c in there.columns], between=window), results)
    dt, bt, cov, est, plan_rows = [], [], [], [], []
    for plan in plans:
        rows = planned_and_done(plan, ins)
        t = by_department_tier(rows, labels)
        t.insert(0, "period", plan.period)
        dt.append(t)
        b, c = burden(ins, plan.tiers, plan.window[0], tables.get("roster"), labels)
        b.insert(0, "period", plan.period)
        c.insert(0, "period", plan.period)
        if len(c):
            drawn = rows.groupby("department")["enterprise_id"].nunique()
            c["drawn_in_plan"] = c["department"].map(drawn).fillna(0).astype(int)
        bt.append(b)
        cov.append(c)
        est.append(estimate_violation_rate(plan, rows))
        s = plan.manifest["summary"]
        firms_done = rows.groupby("enterprise_id")[["done", "violation"]].max()
        plan_rows.append({"period": plan.period, "visits": s["visits"], "visits_done": int(firms_done["done"].sum()),
                          "visits_with_violation": int(firms_done["violation"].sum()),
                          "department_draws": s["department_draws_served"],
                          "joint_visits": int((plan.visits["departments"].str.count(";") > 0).sum()),
                          "visits_saved_by_joint_inspection": s["visits_saved_by_joint_inspection"],
                          "triggered": s.get("triggered_firms", 0), "done": int(rows["done"].sum()),
                          "violations": int(rows["violation"].sum()), "unstaffed": s["unassigned_rows"]})
    out = {"plans": pd.DataFrame(plan_rows), "by_department_tier": pd.concat(dt, ignore_index=True),
           "burden": pd.concat(bt, ignore_index=True), "coverage": pd.concat(cov, ignore_index=True),
           "estimate": pd.DataFrame(est), "labels": labels, "lang": lang}
    out["headline"] = headline(out["plans"], out["estimate"], lang)
    return out


def headline(plans: pd.DataFrame, est: pd.DataFrame, lang: str = "en") -> list[str]:
    """The page's first lines, in plain words, for the latest period and against the one before it: visits planned
    (firms, as the plan's visits), done and finding a violation; the roster's estimated violation rate with its 95%
    interval. The counts are those of the plan files (a joint visit is one visit)."""
    if not len(plans):
        return []
    H = HEADLINE[lang]
    order = plans.sort_values("period").reset_index(drop=True)
    e = {r["period"]: r for r in est.to_dict("records")}
    lines = []
    for i in (len(order) - 1,):
        r = order.iloc[i]
        line = H["now"].format(period=r["period"], visits=int(r["visits"]), draws=int(r["department_draws"]),
                               done=int(r["visits_done"]), found=int(r["visits_with_violation"]))
        x = e.get(r["period"], {})
        if x.get("estimate") is not None and x["estimate"] == x["estimate"]:
            line += " " + H["rate"].format(est=f"{x['estimate']:.0%}", low=f"{x['low']:.0%}", high=f"{x['high']:.0%}",
                                          naive=f"{x['naive']:.0%}", wide=H["wide"] if x["high"] - x["low"] > 0.2 else "")
        else:
            line += " " + H["no_rate"]
        lines.append(line)
        if i > 0:
            q = order.iloc[i - 1]
            y = e.get(q["period"], {})
            before = H["before"].format(period=q["period"], visits=int(q["visits"]), done=int(q["visits_done"]),
                                        found=int(q["visits_with_violation"]))
            if y.get("estimate") is not None and y["estimate"] == y["estimate"]:
                before += " " + H["before_rate"].format(est=f"{y['estimate']:.0%}")
            lines.append(before)
    return lines


HEADLINE = {
    "en": {"now": "{period}: {visits} firms were to be inspected ({draws} checks by departments, joint visits counted once); "
                  "{done} were visited and {found} had a violation.",
           "rate": "Across all firms on the departments' lists, an estimated {est} are in violation (95% interval "
                   "{low} to {high}){wide}; among the checks done it was {naive}, higher because riskier firms are "
                   "drawn more often.", "wide": ", wide because few firms of the low-risk tiers are drawn",
           "no_rate": "No estimate for all firms yet: too few results recorded.",
           "before": "The period before, {period}: {visits} planned, {done} visited, {found} with a violation.",
           "before_rate": "Estimated rate then: {est}."},
    "zh": {"now": "{period}：计划检查 {visits} 户企业（各部门检查 {draws} 项，联合检查只计一次）；已检查 {done} 户，其中 {found} 户发现问题。",
           "rate": "据此估计，各部门名录中全部企业的违法率约为 {est}（95% 区间 {low} 至 {high}{wide}）；已完成检查中的比例为 {naive}，"
                   "因为风险较高的企业被抽中的机会更大，所以更高。", "wide": "；低风险等级的企业抽中较少，所以区间较宽",
           "no_rate": "记录的结果太少，暂不能估计全部企业的违法率。",
           "before": "上一期 {period}：计划 {visits} 户，已检查 {done} 户，{found} 户发现问题。",
           "before_rate": "当时估计违法率 {est}。"},
}


# ------------------------------------------------------------------------------------------------------------ charts

def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _plt():
    from features.io.plots import pyplot

    return pyplot()  # Agg, CJK fonts, math text off: a '$' in a department id is text


def charts(a: dict, T: dict) -> list[tuple[str, bytes]]:
    """(title, PNG) for: planned vs done per department, violations per inspection by tier, burden by tier, roster
    coverage per department, and the violation-rate estimate with its interval. The titles are for the page; the
    pictures are labelled in English (department ids) when Chinese is asked for and no CJK font is installed."""
    from features.io.plots import picture_language

    plt = _plt()
    out = []
    titles = T
    if picture_language(a["lang"], "the report's charts") != a["lang"]:
        T = TEXT["en"]
        a = {**a, "by_department_tier": a["by_department_tier"].assign(department_label=a["by_department_tier"]["department"]),
             "coverage": a["coverage"].assign(department_label=a["coverage"]["department"]) if len(a["coverage"]) else a["coverage"]}
    dt = a["by_department_tier"]
    per = dt.groupby("department_label")[["planned", "done"]].sum().sort_values("planned")
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(per) + 1.5))
    y = np.arange(len(per))
    ax.barh(y - 0.2, per["planned"], 0.4, label=T["planned"], color="#1565c0")
    ax.barh(y + 0.2, per["done"], 0.4, label=T["done"], color="#2e7d32")
    ax.set_yticks(y, per.index)
    ax.set_xlabel(T["visits"])
    ax.legend(loc="lower right")
    out.append((titles["chart_planned"], _png(fig)))
    colors = {"A": "#2e7d32", "B": "#1565c0", "C": "#ef6c00", "D": "#c62828"}
    b = a["burden"].groupby("tier")[["inspections_per_firm_per_year", "violations_per_inspection"]].mean().reindex(list(TIERS))
    for col, title in (("violations_per_inspection", titles["chart_violations"]), ("inspections_per_firm_per_year", titles["chart_burden"])):
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.bar(b.index, b[col].fillna(0), color=[colors[t] for t in b.index])
        for i, v in enumerate(b[col].fillna(0)):
            ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=9)
        ax.set_xlabel(T["tier"])
        ax.set_ylabel(T[col])
        out.append((title, _png(fig)))
    cov = a["coverage"]
    if len(cov):
        c = cov.groupby("department_label")["coverage"].mean().sort_values()
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(c) + 1.5))
        ax.barh(c.index, c.values * 100, color="#00838f")
        ax.set_xlabel(T["coverage_pct"])
        out.append((titles["chart_coverage"], _png(fig)))
    est = a["estimate"].dropna(subset=["estimate"])
    if len(est):
        fig, ax = plt.subplots(figsize=(6, 0.6 * len(est) + 1.6))
        yy = np.arange(len(est))
        ax.errorbar(est["estimate"] * 100, yy, xerr=[(est["estimate"] - est["low"]) * 100, (est["high"] - est["estimate"]) * 100],
                    fmt="o", color="#1d2733", capsize=4, label=T["estimate"])
        ax.plot(est["naive"] * 100, yy, "x", color="#c62828", label=T["naive"])
        ax.set_yticks(yy, est["period"])
        ax.set_xlabel(T["rate_pct"])
        ax.legend(loc="best", fontsize=8)
        out.append((titles["chart_estimate"], _png(fig)))
    return out


TEXT = {
    "en": {"title": "Decision analysis: inspections", "planned": "planned", "done": "done", "visits": "visits",
           "tier": "credit tier", "chart_planned": "Visits planned and done, per department",
           "chart_violations": "Violations found per inspection, by tier (year before the period)",
           "chart_burden": "Burden: inspections per firm per year, by tier",
           "chart_coverage": "Roster coverage: share of each department's roster inspected in the last year",
           "chart_estimate": "Violation rate of all roster firms: estimate with its 95% interval, and the share among checks done",
           "violations_per_inspection": "violations per inspection", "inspections_per_firm_per_year": "inspections per firm per year",
           "coverage_pct": "% of roster firms inspected", "estimate": "estimated rate, all roster firms",
           "naive": "share among checks done (higher: risky firms are drawn more often)", "rate_pct": "violation rate (%)", "plans": "Plans",
           "tables": "Tables", "estimate_title": "Estimated violation rate", "period": "Period",
           "intro": "What each department planned, did and found, the inspections of the year before each period and the "
                    "credit tiers. Riskier firms are drawn more often, so the share of violations among the firms visited "
                    "over-states the rate of all firms; the estimate corrects for this by counting each visit as many firms "
                    "as it stands for. 'inspect simulate' checks on the synthetic city how often its 95% interval covers "
                    "the true rate (96% of 200 draws on the tiny demo).", "headline": "In brief", "checks": "checks with a result / drawn at random",
           "by_department_tier": "By department and tier", "burden": "Burden by tier", "coverage": "Roster coverage",
           "no_estimate": "No estimate", "files": "The tables are also in report.xlsx."},
    "zh": {"title": "决策分析：检查", "planned": "计划", "done": "完成", "visits": "检查次数", "tier": "信用等级",
           "chart_planned": "各部门计划与完成检查数", "chart_violations": "各等级每次检查发现违法数（计划期前一年）",
           "chart_burden": "检查负担：各等级每家企业每年检查次数", "chart_coverage": "名录覆盖率：近一年各部门名录企业被检查比例",
           "chart_estimate": "全部名录企业的违法率：估计值及其95%区间，与已完成检查中的比例",
           "violations_per_inspection": "每次检查违法数", "inspections_per_firm_per_year": "每家每年检查次数",
           "coverage_pct": "被检查企业比例（%）", "estimate": "估计违法率（全部名录企业）", "naive": "已完成检查中的比例（偏高：高风险企业更常被抽中）",
           "rate_pct": "违法率（%）", "plans": "抽查计划", "tables": "明细表", "estimate_title": "违法率估计", "period": "期间",
           "intro": "各部门计划、完成和发现的情况，各期间前一年的检查以及信用等级。高风险企业被抽中的机会更大，"
                    "因此已检查企业中的违法比例高于全部企业；估计值按每次检查所代表的企业数加权予以校正。"
                    "inspect simulate 在模拟城市上检验 95% 区间覆盖真实违法率的频率（小型演示城市 200 次抽取中为 96%）。", "headline": "概要", "checks": "有结果的检查 / 随机抽中",
           "by_department_tier": "按部门和等级", "burden": "各等级检查负担", "coverage": "名录覆盖率",
           "no_estimate": "暂无估计", "files": "明细表同时保存在 report.xlsx。"},
}


COLUMNS = {
    "en": {"period": "Period", "visits": "Visits", "department_draws": "Department draws", "joint_visits": "Joint visits",
           "visits_saved_by_joint_inspection": "Visits saved by joint inspection", "triggered": "Triggered",
           "done": "Done", "violations": "Violations", "unstaffed": "Draws not staffed", "department": "Department id",
           "department_label": "Department", "tier": "Tier", "planned": "Planned", "joint": "In joint visits",
           "violations_per_visit": "Violations per visit done", "firms": "Firms", "inspections": "Inspections (year before)",
           "inspections_per_firm_per_year": "Inspections per firm per year",
           "violations_per_inspection": "Violations per inspection", "roster_firms": "Roster firms",
           "inspected_last_year": "Inspected in the year before", "coverage": "Coverage", "drawn_in_plan": "Drawn in the plan",
           "drawn": "Checks drawn at random", "with_result": "Drawn checks with a result", "visits_done": "Visits done",
           "visits_with_violation": "Visits finding a violation", "estimate": "Estimated violation rate",
           "se": "Standard error", "low": "95% low", "high": "95% high", "naive": "Share among checks done",
           "population_rows": "Eligible roster rows", "note": "Note"},
    "zh": {"period": "期间", "visits": "检查户数", "department_draws": "部门抽取数", "joint_visits": "联合检查户数",
           "visits_saved_by_joint_inspection": "联合检查减少次数", "triggered": "触发检查", "done": "已完成",
           "violations": "发现违法", "unstaffed": "未能安排人员", "department": "部门编码", "department_label": "部门",
           "tier": "信用等级", "planned": "计划", "joint": "联合检查", "violations_per_visit": "每次完成检查发现违法",
           "firms": "企业数", "inspections": "前一年检查次数", "inspections_per_firm_per_year": "每家每年检查次数",
           "violations_per_inspection": "每次检查发现违法", "roster_firms": "名录企业数", "inspected_last_year": "前一年被检查",
           "coverage": "覆盖率", "drawn_in_plan": "本期抽中", "drawn": "随机抽中检查项", "with_result": "有结果的抽中检查项",
           "visits_done": "已检查户数", "visits_with_violation": "发现问题户数",
           "estimate": "违法率估计", "se": "标准误", "low": "95%下限", "high": "95%上限", "naive": "已完成检查中的简单比例",
           "population_rows": "可抽取名录行数", "note": "说明"},
}
SHEETS = {"en": {"plans": "plans", "by_department_tier": "by department and tier", "burden": "burden",
                 "coverage": "coverage", "estimate": "estimate"},
          "zh": {"plans": "抽查计划", "by_department_tier": "按部门和等级", "burden": "检查负担", "coverage": "名录覆盖率",
                 "estimate": "违法率估计"}}


def readable_tables(a: dict) -> dict:
    """Sheet name -> table with readable headers in the report's language (what report.xlsx and the page show)."""
    lang = a["lang"]
    return {SHEETS[lang][k]: a[k].rename(columns=COLUMNS[lang])
            for k in ("plans", "by_department_tier", "burden", "coverage", "estimate")}


def write_report(a: dict, out) -> dict:
    """OUT/index.html (charts inline, tables) and OUT/report.xlsx, each whole or absent (`features.io.export`)."""
    from features.io.export import write_text
    from features.io.sheets import write_workbook
    from riskmodels.report.site import png_data_uri, render

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    T = TEXT[a["lang"]]
    figs = [(title, png_data_uri(png)) for title, png in charts(a, T)]
    tables = readable_tables(a)
    html = render("decision.html.j2", T=T, lang=a["lang"], charts=figs,
                  tables=[(name, _display(df)) for name, df in tables.items()],
                  estimates=a["estimate"].to_dict("records"), headline=a.get("headline", []))
    write_text(out / "index.html", html)
    write_workbook(out / "report.xlsx", tables)
    return {"charts": len(figs), "html": out / "index.html", "xlsx": out / "report.xlsx"}


def _display(df: pd.DataFrame) -> dict:
    def fmt(v):
        if isinstance(v, float):
            return "" if math.isnan(v) else (f"{v:.3f}" if abs(v) < 10 else f"{v:,.0f}")
        return "" if v is None else str(v)
    return {"columns": list(df.columns), "rows": [[fmt(v) for v in r] for r in df.itertuples(index=False, name=None)]}
