"""riskmodels.inspection.planner: plan files deterministic, verification catches tampering, inputs embedded and hashed, bad input named."""
from __future__ import annotations
import json
import shutil
import pandas as pd
import pytest
from features.core.errors import InputError
from riskmodels.inspection.planner import VerifyFailed, make_plan, verify_plan
from riskmodels.inspection.policy import Policy
from riskmodels.inspection.randomness import seed_key
from tests.riskmodels.inspection.city import FORMULA_NAME, PERIOD, check_constraints, city, write
import csv
import io
from features.io.export import write_table
from tests.hostile import FORMULA
import time
from markdown_it import MarkdownIt
from tests.riskmodels.inspection.plans import small_plan_inputs


@pytest.mark.slow
def test_plan_files_are_deterministic_and_verify_detects_tampering(tmp_path, cli):
    t = city(n=300)
    t["tiers"].loc[7, "trigger"] = "complaint"  # the firm registered as a formula must be visited
    d, tiers = write(tmp_path, t)
    for k in (1, 2):
        cli("inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "public seed", "--out", tmp_path / f"p{k}",
            err="visits")
    p1, p2 = tmp_path / "p1", tmp_path / "p2"
    for f in ("plan.csv", "notice.csv", "unassigned.csv", "strata.csv", "manifest.json"):
        assert (p1 / f).read_bytes() == (p2 / f).read_bytes(), f
    cli("inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "other seed", "--out", tmp_path / "p3")
    assert (tmp_path / "p3" / "plan.csv").read_bytes() != (p1 / "plan.csv").read_bytes()
    plan = pd.read_csv(p1 / "plan.csv", dtype=str, keep_default_na=False)
    check_constraints(plan, t, Policy.from_settings(), triggered={"E00007"})
    notice = (p1 / "notice.csv").read_text(encoding="utf-8")
    assert "'" + FORMULA_NAME in notice.replace('""', '"') and "market-" not in notice and "Name " not in notice

    cli("inspect", "verify", p1, out="OK")
    manifest = (p1 / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in manifest and '"/' not in manifest  # input paths relative to the plan folder only
    shutil.copytree(p1, tmp_path / "elsewhere" / "copy")  # moved away from its inputs: name them
    cli("inspect", "verify", tmp_path / "elsewhere" / "copy", code=2, err="pass --data")
    cli("inspect", "verify", tmp_path / "elsewhere" / "copy", "--data", d, "--tiers", tiers, out="OK")

    def tampered(name, edit):
        dst = tmp_path / f"t-{name}"
        shutil.copytree(p1, dst)
        edit(dst)
        return dst

    def swap_firm(dst):
        tp = pd.read_csv(dst / "plan.csv", dtype=str, keep_default_na=False)
        tp.loc[0, "enterprise_id"] = next(e for e in t["tiers"].enterprise_id if e not in set(plan.enterprise_id))
        tp.to_csv(dst / "plan.csv", index=False)

    def swap_seed(dst):
        m = json.loads((dst / "manifest.json").read_text())
        m["seed"] = "another seed"
        (dst / "manifest.json").write_text(json.dumps(m))

    def swap_seed_and_key(dst):  # a forger who also recomputes the seed key is caught by the re-derived plan
        m = json.loads((dst / "manifest.json").read_text())
        hashes = {f"dataset/{n}": (v or {}).get("sha256") for n, v in m["inputs"]["dataset"]["tables"].items()}
        hashes.update(tiers=m["inputs"]["tiers"]["sha256"], triggers=None)
        assert seed_key(m["seed"], PERIOD, hashes) == m["seed_key"]
        m["seed"] = "another seed"
        m["seed_key"] = seed_key(m["seed"], PERIOD, hashes)
        (dst / "manifest.json").write_text(json.dumps(m))

    def swap_policy(dst):
        m = json.loads((dst / "manifest.json").read_text())
        m["settings"]["inspect"]["rates"]["D"] = 0.5
        (dst / "manifest.json").write_text(json.dumps(m))

    def swap_xlsx(dst):
        from openpyxl import load_workbook
        wb = load_workbook(dst / "plan.xlsx")
        wb["plan"]["E2"] = "someone-else;market-000"
        wb.save(dst / "plan.xlsx")

    def swap_notice(dst):
        (dst / "notice.md").write_text((dst / "notice.md").read_text().replace("public seed", "public seeds"))

    for name, edit, why in [("notice", swap_notice, "notice.md"), ("firm", swap_firm, "plan.csv differs"), ("seed", swap_seed, "seed_key"),
                            ("seedkey", swap_seed_and_key, "plan.csv differs"),
                            ("policy", swap_policy, "differs"), ("xlsx", swap_xlsx, "plan.xlsx sheet 'plan'")]:
        cli("inspect", "verify", tampered(name, edit), code=1, out=why)
    # a changed input is detected too
    ins = pd.read_csv(d / "inspectors.csv", dtype=str, keep_default_na=False)
    ins.loc[0, "capacity"] = "99"
    ins.to_csv(d / "inspectors.csv", index=False)
    cli("inspect", "verify", p1, code=1, out="input changed")


def test_embedded_inputs_make_a_self_contained_plan(tmp_path):
    t = city(n=150)
    d, tiers = write(tmp_path, t)
    make_plan(d, tiers, PERIOD, "x", tmp_path / "p", embed_inputs=True)
    shutil.copytree(tmp_path / "p", tmp_path / "moved")
    shutil.rmtree(d)
    tiers.unlink()
    verify_plan(tmp_path / "moved")
    (tmp_path / "moved" / "inputs" / "city-tiers.csv").write_text("enterprise_id,tier\nE00001,A\n")
    with pytest.raises(VerifyFailed, match="input changed"):
        verify_plan(tmp_path / "moved")


def test_plan_period_defaults_to_the_month_after_the_tiers_as_of(tmp_path):
    t = city(n=150)
    t["tiers"]["as_of"] = "2026-11-30"
    d, tiers = write(tmp_path, t)
    _, m = make_plan(d, tiers, None, "x", tmp_path / "p")
    assert m["period"] == "2026-12" and m["summary"]["window"] == "2026-12-01/2026-12-31"


def test_triggers_file_is_hashed_and_forces_visits(tmp_path, cli):
    t = city(n=200)
    d, tiers = write(tmp_path, t)
    trig = tmp_path / "triggers.csv"
    pd.DataFrame({"enterprise_id": ["E00011", "E00012"], "department": ["env", ""],
                  "reason": ["complaint 12345", "collusion flag"]}).to_csv(trig, index=False)
    cli("inspect", "plan", d, "--tiers", tiers, "--triggers", trig, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "p")
    plan = pd.read_csv(tmp_path / "p" / "plan.csv", dtype=str, keep_default_na=False).set_index("enterprise_id")
    assert "env" in plan.loc["E00011", "departments"] and plan.loc["E00011", "triggered"] == "1"
    assert plan.loc["E00012", "triggered"] == "1" and "trigger" not in plan.columns
    for f in ("plan.csv", "notice.csv", "notice.md", "manifest.json"):  # trigger reasons stay in the internal workbook
        assert "complaint" not in (tmp_path / "p" / f).read_text(encoding="utf-8"), f
    from openpyxl import load_workbook
    ws = load_workbook(tmp_path / "p" / "plan.xlsx")["plan"]
    head = [c.value for c in ws[1]]
    col = head.index("Trigger reason (internal only)")
    reasons = {r[1]: r[col] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert reasons["E00011"] == "complaint 12345" and reasons["E00012"] == "collusion flag"
    cli("inspect", "verify", tmp_path / "p", out="OK")
    trig.write_text("enterprise_id\nE00013\n")
    cli("inspect", "verify", tmp_path / "p", code=1, out="input changed")


def test_bad_input_and_settings_give_one_clear_line(tmp_path, cli):
    t = city(n=60)
    d, tiers = write(tmp_path, t)
    bad = tmp_path / "bad-tiers.csv"
    t["tiers"].assign(tier=lambda x: x.tier.where(x.index != 3, "E")).to_csv(bad, index=False)
    cli("inspect", "plan", d, "--tiers", bad, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "o", code=2,
        err="column 'tier'")
    t["tiers"].drop(columns="tier").to_csv(bad, index=False)
    cli("inspect", "plan", d, "--tiers", bad, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "o", code=2,
        err="column 'tier' is missing")
    cli("inspect", "plan", d, "--tiers", tiers, "--period", "2027-13", "--seed", "s", "--out", tmp_path / "o", code=2,
        err="--period")
    with pytest.raises(InputError, match="rates.D must be a number"):
        Policy.from_settings({"rates": {"A": 0.01, "B": 0.02, "C": 0.1, "D": 1.5}})
    conf = tmp_path / "s.toml"
    conf.write_text("[inspect]\nrate = 1\n")
    cli("--settings", conf, "inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "s", "--out",
        tmp_path / "o", code=2, err="unknown key 'rate'")


def test_formula_like_ids_in_tiers_still_match_in_inspect_plan(tmp_path):
    from riskmodels.inspection.planner import read_file_table

    ids = ["+SUM(1)", "=HYPERLINK(\"x\")", "-5", "@a", "plain"]
    p = write_table(pd.DataFrame({"enterprise_id": ids, "tier": list("ABCDA")}), tmp_path / "tiers.csv")
    text = p.read_text(encoding="utf-8-sig")
    assert "'+SUM(1)" in text and "\n-5,C" in text
    assert read_file_table(p)["enterprise_id"].tolist() == ids
    assert not [v for v in csv.reader(io.StringIO(text)) for v in v if v[:1] in FORMULA and v != "-5"]


def test_inspect_plan_with_a_control_character_in_a_name(cli, tmp_path):
    from tests.riskmodels.inspection.city import PERIOD, city, write

    t = city(n=120)
    t["enterprises"].loc[:, "name"] = t["enterprises"]["name"].str.slice(0, 3) + "\x0b" + t["enterprises"]["name"].str.slice(3)
    d, tiers = write(tmp_path, t)
    r = cli("inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "p")
    assert "control characters" in r.stderr
    assert (tmp_path / "p" / "manifest.json").exists() and (tmp_path / "p" / "plan.xlsx").exists()
    cli("inspect", "verify", tmp_path / "p", out="OK")


@pytest.mark.parametrize("tamper,what", [
    (lambda wb: setattr(wb["plan"].row_dimensions[2], "hidden", True), "hidden rows"),
    (lambda wb: setattr(wb["plan"].column_dimensions["A"], "hidden", True), "hidden columns"),
    (lambda wb: setattr(wb["plan"]["A2"], "number_format", '"E00001"'), "number format"),
    (lambda wb: wb.create_sheet("extra"), "sheets"),
    (lambda wb: setattr(wb["plan"]["A2"], "comment", __import__("openpyxl").comments.Comment("x", "y")), "comment"),
])
@pytest.mark.slow
def test_verify_checks_workbook_presentation(published_plan, tmp_path, tamper, what):
    import shutil

    from openpyxl import load_workbook

    from riskmodels.inspection import VerifyFailed, verify_plan

    src, data, tiers = published_plan
    p = tmp_path / "p"
    shutil.copytree(src, p)
    verify_plan(p, data_dir=data, tiers=tiers)
    wb = load_workbook(p / "plan.xlsx")
    tamper(wb)
    wb.save(p / "plan.xlsx")
    with pytest.raises(VerifyFailed, match=what):
        verify_plan(p, data_dir=data, tiers=tiers)


def test_the_notice_carries_no_html_and_no_heading_from_the_data_or_the_seed(tmp_path):
    d, tiers = small_plan_inputs(tmp_path, "<script>alert(1)</script>\n\n## Notice withdrawn | x")
    seed = "s1` <img src=x onerror=alert(2)>\n# seed heading"
    make_plan(d, tiers, None, seed, tmp_path / "plan")
    text = (tmp_path / "plan" / "notice.md").read_text(encoding="utf-8")
    md = MarkdownIt("commonmark").enable("table")
    html = md.render(text)
    assert "<script" not in html and "<img" not in html
    heads = [t for t in md.parse(text) if t.type == "heading_open"]
    assert len(heads) == 2  # the notice's own title and "How the draw can be checked"
    assert "alert(1)" in html and "onerror=alert(2)" in html  # shown, as text
    assert verify_plan(tmp_path / "plan")["seed"] == seed


@pytest.mark.parametrize("where", ["data", "parent", "inside"])
def test_a_plan_over_around_or_inside_its_inputs_is_refused_and_the_inputs_stay(tmp_path, where):
    d, tiers = small_plan_inputs(tmp_path / "work")
    (d / "NOTES.txt").write_text("my notes\n")
    out = {"data": d, "parent": tmp_path / "work", "inside": d / "plan"}[where]
    before = {p: p.read_bytes() for p in (tmp_path / "work").rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="--force does not change this"):
        make_plan(d, tiers, None, "s1", out)
    assert {p: p.read_bytes() for p in (tmp_path / "work").rglob("*") if p.is_file()} == before


def test_the_command_refuses_with_exit_2_even_with_force(cli, tmp_path):
    d, tiers = small_plan_inputs(tmp_path)
    r = cli("inspect", "plan", d, "--tiers", tiers, "--seed", "s1", "--out", d, "--force", code=2)
    assert "the output is the input" in r.stderr and "use --force" not in r.stderr
    assert sorted(p.name for p in d.iterdir()) == ["enterprises.csv", "inspectors.csv", "roster.csv"]


def test_verify_reads_only_the_stored_cells_of_a_workbook(tmp_path):
    from openpyxl import load_workbook

    d, tiers = small_plan_inputs(tmp_path)
    make_plan(d, tiers, None, "s1", tmp_path / "plan")
    wb = load_workbook(tmp_path / "plan" / "notice.xlsx")
    wb.worksheets[0]["XFD1048576"] = "x"
    wb.save(tmp_path / "plan" / "notice.xlsx")
    t = time.monotonic()
    with pytest.raises(VerifyFailed, match="notice.xlsx sheet 'notice' differs"):
        verify_plan(tmp_path / "plan")
    assert time.monotonic() - t < 30
