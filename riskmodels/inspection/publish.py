"""Publishing the results of double-random inspections (结果公示): the "one public" of 双随机、一公开.

`publish_results(plans, results, enterprises, settings, lang)` joins each plan's visits with the results recorded for them
and returns one row per visit done (a department of a planned visit that inspected the firm inside the plan's window):
firm name, unified social credit code, department, item, date, result and, where a violation was found, the violation and
the decision. `write_publication` writes `results.csv` (UTF-8 with BOM, so Excel on Chinese Windows reads it),
`results.xlsx`, `results.html` and `manifest.json`.

Nothing private is published: no inspector (id or name), tier, risk, inclusion probability or trigger reason; the rows
carry only what the public notice already named (firm, department, window) plus the result. Each row names the plan's
`visit_id`, and `manifest.json` records each plan's period, seed, seed key and the SHA-256 of its `notice.csv`, as its
own manifest does: anyone can check that the published visits are those of the notice, which `inspect verify` re-derives
from the seed. Results of inspections that were not planned visits are not part of the publication; they are counted.

Optional columns of the results file: `item` (the inspection item; default "random inspection by <department>"),
`violation` (what was found), `decision` (the decision taken; default the penalty, when given); left empty when the
results do not say.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from features.io import codes
from features.core.errors import InputError

PUBLIC_COLUMNS = ["visit_id", "enterprise_id", "name", "department", "item", "inspected_on", "result", "violation",
                  "decision"]
HEADERS = {
    "en": {"visit_id": "Visit", "enterprise_id": "Unified social credit code", "name": "Enterprise name",
           "department": "Department", "item": "Inspection item", "inspected_on": "Date", "result": "Result",
           "violation": "Violation found", "decision": "Decision"},
    "zh": {"visit_id": "检查编号", "enterprise_id": "统一社会信用代码", "name": "企业名称", "department": "检查部门",
           "item": "检查事项", "inspected_on": "检查日期", "result": "检查结果", "violation": "发现的问题", "decision": "处理决定"},
}
RESULT_WORDS = {"en": {"pass": "no problem found", "fail": "violation found", "not_found": "not found at its address"},
                "zh": {"pass": "未发现问题", "fail": "发现问题", "not_found": "通过登记的住所或者经营场所无法联系"}}
TEXT = {
    "en": {"title": "Results of double-random inspections", "item": "Random inspection by {d}",
           "penalty": "administrative penalty of {x} yuan",
           "intro": "Period {period}: {done} inspections done of {planned} planned in the public notice "
                    "({firms} enterprises); {found} found a violation.",
           "verify": "Every row names its visit in the plan. The plan was drawn from the public seed {seed!r}; its seed "
                     "key is {key}. The notice of the same plan (notice.csv, SHA-256 {sha}) lists the same visits, and "
                     "'riskmodels inspect verify' re-derives the plan from the seed and its inputs.",
           "none": "No inspection done yet.", "generated": "Published by riskmodels. Inspectors are not named.",
           "not_recorded": "{what}: not recorded in the results yet."},
    "zh": {"title": "双随机抽查结果公示", "item": "{d}双随机抽查", "penalty": "罚款 {x} 元",
           "intro": "{period} 期间：公示计划检查 {planned} 项（{firms} 户企业），已完成 {done} 项，其中 {found} 项发现问题。",
           "verify": "每一行都对应抽查计划中的检查编号。本计划由公开的随机种子 {seed!r} 抽取，种子密钥为 {key}。同一计划的"
                     "公示名单（notice.csv，SHA-256 {sha}）列出了相同的检查；可用 riskmodels inspect verify 根据种子和输入重新推导并核对。",
           "none": "尚无完成的检查。", "generated": "由 riskmodels 发布。不公布执法检查人员。",
           "not_recorded": "{what}：检查结果中尚未记录。"},
}


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


def _money(v) -> str:
    x = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
    return "" if pd.isna(x) else f"{x:,.0f}"


def published_rows(plan, results: pd.DataFrame, names: dict, labels: dict, lang: str) -> tuple[pd.DataFrame, int]:
    """(rows of one plan's done visits, results of that plan's window that match no planned visit)."""
    T, W = TEXT[lang], RESULT_WORDS[lang]
    a, b = plan.window
    when = pd.to_datetime(results["inspected_on"], errors="coerce")
    inside = results[(when >= a) & (when <= b + pd.Timedelta(days=1) - pd.Timedelta(seconds=1))]
    planned = {}
    for v in plan.visits.itertuples(index=False):
        for d in str(v.departments).split(";"):
            if d:
                planned[(d, str(v.enterprise_id))] = str(v.visit_id)
    rows, unmatched = [], 0
    for r in inside.to_dict("records"):
        key = (_text(r.get("department")), _text(r.get("enterprise_id")))
        if key not in planned:
            unmatched += 1
            continue
        res = _text(r.get("result")).lower()
        d = key[0]
        label = labels.get(d) or d
        fail = res == codes.INSPECTION_FAIL
        decision = _text(r.get("decision"))
        if fail and not decision and _money(r.get("penalty")):
            decision = T["penalty"].format(x=_money(r.get("penalty")))
        rows.append({"visit_id": planned[key], "enterprise_id": key[1], "name": names.get(key[1], ""), "department": label,
                     "item": _text(r.get("item")) or T["item"].format(d=label),
                     "inspected_on": _text(r.get("inspected_on"))[:10], "result": W.get(res, res),
                     "violation": _text(r.get("violation")) if fail else "",
                     "decision": decision if fail else ""})
    out = pd.DataFrame(rows, columns=PUBLIC_COLUMNS)
    return out.sort_values(["inspected_on", "visit_id", "department"], kind="stable").reset_index(drop=True), unmatched


def publish_results(plans: list, results: pd.DataFrame, enterprises: pd.DataFrame | None, settings,
                    lang: str = "en") -> dict:
    """Every plan's done visits as public rows (`rows`, headers in `lang`), per-plan figures (`plans`) and the
    manifest. `plans`: `report.PlanFolder`s; `results`: inspections-shaped rows (enterprise_id, inspected_on,
    department, result; item, violation, decision, penalty when known)."""
    from features.io.side_tables import check_lang
    from riskmodels.inspection.exports import labels_for

    check_lang(lang)
    for c in ("enterprise_id", "inspected_on", "department", "result"):
        if c not in results.columns:
            raise InputError(f"results: column '{c}' is missing (enterprise_id, inspected_on, department, result)")
    labels = labels_for(settings.inspect.department_labels, lang)
    names = {}
    if enterprises is not None and "name" in enterprises.columns:
        names = dict(zip(enterprises["enterprise_id"].astype(str).str.strip(), enterprises["name"].map(_text)))
    frames, per_plan = [], []
    for plan in plans:
        rows, unmatched = published_rows(plan, results, names, labels, lang)
        frames.append(rows)
        notice = plan.path / "notice.csv"
        per_plan.append({"period": plan.period, "seed": plan.manifest.get("seed"), "seed_key": plan.manifest.get("seed_key"),
                         "notice_sha256": (plan.manifest.get("outputs") or {}).get("notice.csv"),
                         "notice_present": notice.is_file(), "visits_planned": int(len(plan.visits)),
                         "department_visits_planned": int(sum(len([d for d in str(x).split(";") if d])
                                                              for x in plan.visits["departments"])),
                         "done": int(len(rows)), "violations": int((rows["result"] == RESULT_WORDS[lang]["fail"]).sum()),
                         "firms_done": int(rows["enterprise_id"].nunique()), "results_not_in_plan": unmatched})
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PUBLIC_COLUMNS)
    manifest = {"format": "riskmodels inspection results publication", "lang": lang, "plans": per_plan,
                "rows": int(len(rows)), "columns": PUBLIC_COLUMNS,
                "not_published": "inspectors, credit tiers, risk, inclusion probabilities and trigger reasons"}
    return {"rows": rows, "plans": per_plan, "manifest": manifest, "lang": lang}


def write_publication(pub: dict, out) -> dict:
    """OUT/results.csv (UTF-8 with BOM), results.xlsx, results.html and manifest.json, all whole or absent."""
    from features.io.export import write_table, write_text
    from features.io.sheets import write_workbook
    from riskmodels.report.site import render

    out = Path(out)
    lang = pub["lang"]
    T = TEXT[lang]
    table = pub["rows"].rename(columns=HEADERS[lang])
    write_table(table, out / "results.csv")
    from features.io.export import atomic_path

    with atomic_path(out / "results.xlsx") as tmp:
        write_workbook(tmp, {T["title"][:31]: table})
    intro = [T["intro"].format(period=p["period"], done=p["done"], planned=p["department_visits_planned"],
                               firms=p["visits_planned"], found=p["violations"]) for p in pub["plans"]]
    verify = [T["verify"].format(seed=p["seed"], key=p["seed_key"], sha=p["notice_sha256"]) for p in pub["plans"]]
    shown = [c for c, k in zip(table.columns, PUBLIC_COLUMNS) if k not in ("violation", "decision")
             or (pub["rows"][k].fillna("") != "").any()]  # the page leaves out what the results file never records
    missing = [HEADERS[lang][k] for k in ("violation", "decision") if HEADERS[lang][k] not in shown]
    notes = [T["not_recorded"].format(what=("、" if lang == "zh" else " and ").join(missing))] if missing else []
    html = render("publish.html.j2", T=T, lang=lang, intro=intro, verify=notes + verify, columns=shown,
                  rows=table[shown].astype(str).values.tolist(), nowrap={0, 1, 5, 6})
    write_text(out / "results.html", html)
    write_text(out / "manifest.json", json.dumps(pub["manifest"], indent=2, ensure_ascii=False) + "\n")
    return {"csv": out / "results.csv", "xlsx": out / "results.xlsx", "html": out / "results.html",
            "manifest": out / "manifest.json", "rows": len(table)}


def publish_folder(data_dir, plan_dirs: list, results_file, out, settings, lang: str = "en") -> dict:
    """`inspect publish`: read the plans, the results file and the dataset's enterprises, write the publication to
    `out` (`write_publication`). Returns the written paths, `rows` and the per-plan figures (`plans`)."""
    from features.io.dataset import load_dataset
    from features.io.side_tables import read_side_table
    from features.io.side_tables import check_lang
    from riskmodels.inspection.analysis import read_plan

    check_lang(lang)
    plans = [read_plan(p) for p in plan_dirs]
    res = read_side_table(results_file, ("enterprise_id", "inspected_on", "department", "result")).astype(object)
    ds = load_dataset(data_dir, settings, tables=["enterprises"])
    pub = publish_results(plans, res, ds.get("enterprises"), settings, lang)
    return {**write_publication(pub, out), "plans": pub["plans"]}
