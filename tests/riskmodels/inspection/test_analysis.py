"""riskmodels.inspection.analysis: a report without inspections says what it can; its files are written whole, never
through a link planted in the output folder."""
from __future__ import annotations

import os

import pytest
from riskmodels.inspection.analysis import INSPECTION_COLUMNS, _inspections
from tests.riskmodels.inspection.plans import small_plan_inputs, write_csv


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
