"""riskmodels.inspection.planner: the public notice is text, the plan never lands on its inputs, verify stays bounded."""
from __future__ import annotations

import time

import pytest
from markdown_it import MarkdownIt
from tests.riskmodels.inspection.plans import small_plan_inputs

from features.core.errors import InputError
from riskmodels.inspection.planner import VerifyFailed, make_plan, verify_plan


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
