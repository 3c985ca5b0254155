"""One function per `riskmodels inspect ...` command that is more than one library call (the decision report, the
simulation's figures in words): the inputs read, the library run, the outputs written whole; each returns the lines
the command line prints.
"""
from __future__ import annotations

from pathlib import Path


def report_files(out) -> list[Path]:
    """What `inspect report` writes into folder `out`."""
    return [Path(out) / "index.html", Path(out) / "report.xlsx"]


def decision_report(data, plans: list, out, settings, *, results: Path | None = None, lang: str = "en") -> list[str]:
    """`inspect report`: the decision analysis of the plan folders `plans` against the dataset's inspections (and the
    `results` of planned visits not yet in it), written to `out`; one line per period's estimate, then the files."""
    from features.io.dataset import load_dataset
    from features.io.side_tables import read_side_table
    from features.io.side_tables import check_lang
    from riskmodels.inspection.analysis import analyse, read_plan, write_report

    check_lang(lang)
    folders = [read_plan(p) for p in plans]
    res = read_side_table(results, ("enterprise_id", "inspected_on")) if results else None
    ds = load_dataset(data, settings, tables=["inspections", "roster", "enterprises"])
    a = analyse(ds, folders, settings, results=res, lang=lang)
    r = write_report(a, out)
    lines = []
    for e in a["estimate"].to_dict("records"):
        if e["estimate"] is not None and e["estimate"] == e["estimate"]:
            lines.append(f"{e['period']}: violation rate {e['estimate']:.1%} (95% {e['low']:.1%}-{e['high']:.1%}) from "
                         f"{e['with_result']} drawn checks with a result; share among checks done {e['naive']:.1%}")
        else:
            lines.append(f"{e['period']}: no estimate ({e.get('note') or 'no results'})")
    return lines + [f"wrote {r['html']} ({r['charts']} charts) and {r['xlsx']}"]


PUBLISHED = ("results.csv", "results.xlsx", "results.html", "manifest.json")


def publish_files(out) -> list[Path]:
    """What `inspect publish` writes into folder `out`."""
    return [Path(out) / n for n in PUBLISHED]


def publish(data, plans: list, results: Path, out, settings, *, lang: str = "en") -> str:
    """`inspect publish`: the results of the plans' visits published (`riskmodels.inspection.publish.publish_folder`);
    the summary line."""
    from riskmodels.inspection.publish import publish_folder

    r = publish_folder(data, plans, results, out, settings, lang=lang)
    return (f"published {r['rows']:,} results of visits done"
            + "".join(f"; {p['period']}: {p['done']} of {p['department_visits_planned']} planned, {p['violations']} "
                      "violation(s)" + (f", {p['results_not_in_plan']} result(s) not of a planned visit left out"
                                        if p["results_not_in_plan"] else "")
                      for p in r["plans"]) + f"; wrote {out}")


def simulation_lines(r: dict) -> list[str]:
    """`inspect simulate`'s figures (`riskmodels.inspection.evaluate.simulate_plans`) in words, one line each."""
    def m(k, f="{:.3f}"):
        return f"{f.format(r[k]['mean'])} (min {f.format(r[k]['min'])}, max {f.format(r[k]['max'])})"

    return [f"runs: {r['runs']}; value: {r['value_source']}",
            f"visits per plan: {m('visits', '{:.1f}')}",
            f"expected violations per visit, tier plan: {m('violations_per_visit')}",
            f"expected violations per visit, uniform double-random plan of the same size: {m('uniform_violations_per_visit')}",
            f"period: {r['period']}",
            f"lift: {m('lift', '{:.2f}')}x, spread (sd over runs) {r['lift']['sd']:.2f} "
            f"(vs whole population: {m('lift_vs_population', '{:.2f}')}x)",
            f"visits saved by joint inspection: {m('visits_saved', '{:.1f}')} of {m('department_draws', '{:.1f}')} "
            "department draws",
            f"tier A firms disturbed: {r['a_disturbed']['mean']:.2%}",
            "chance of a visit by tier: " + ", ".join(f"{t} {v:.2%}" for t, v in r["tier_share"].items())
            + ("" if r["every_tier_has_a_chance"] else "  (some tier has no chance under this policy)"),
            f"department draws not staffed: {m('unassigned_rows', '{:.1f}')}"]


def draw_plan(data, tiers, period, seed: str, out, settings, *, triggers=None, embed_inputs: bool = False,
              lang: str = "en", lists=None) -> list[str]:
    """`inspect plan`: the plan of one period drawn (`riskmodels.inspection.make_plan`) and written to folder `out`;
    the lines to print (lists applied, visits by tier, draws not staffed, the seed key)."""
    from features.core.errors import InputError
    from riskmodels.inspection import make_plan

    if Path(out).exists() and not Path(out).is_dir():
        raise InputError(f"{out}: is a file; --out must be a folder for the plan")
    result, manifest = make_plan(data, tiers, period, seed, out, settings, triggers=triggers, embed_inputs=embed_inputs,
                                 lang=lang, lists=lists)
    s = result.summary
    lines = ["red and black lists: " + ", ".join(f"{k} moved {v} firm(s)" for k, v in s["lists_moved"].items())
             ] if s.get("lists_moved") else []
    rates = ", ".join(f"{t} {v['visited']}/{v['firms']}" for t, v in s["tiers"].items())
    lines.append(f"{s['visits']} visits ({s['department_draws_served']} department draws, "
                 f"{s['visits_saved_by_joint_inspection']} saved by joint inspection); visited by tier: {rates}")
    if s["unassigned_rows"]:
        lines.append(f"{s['unassigned_rows']} department draws could not be staffed ({s['firms_not_visited']} firms not "
                     f"visited): see {Path(out) / 'unassigned.csv'}")
    return lines + [f"wrote {out} (seed key {manifest['seed_key'][:16]}...)"]
