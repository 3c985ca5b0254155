"""features.evidence.indicators.driver: Cardinal's documented examples, chunks combined give the whole result, the command's JSON, bad lines reported and skipped."""
from __future__ import annotations

import json
import pytest
from features.evidence.indicators import driver
from features.evidence.indicators.config import build, load_ini
from features.imports.ocds import read_processes
from tests.features.evidence.indicators.cardinal import EXAMPLES, FIXTURES, NAMES, ini_for


def test_every_indicator_has_a_fixture():
    from features.evidence.indicators import CARDINAL

    assert len(NAMES) == 15
    assert {n.split("-")[0] for n in NAMES} == set(CARDINAL)


@pytest.mark.parametrize("num", EXAMPLES)
def test_doc_example(num):
    ex = FIXTURES / "examples"
    ini = ex / f"{num}.ini" if (ex / f"{num}.ini").exists() else ex / "settings.ini"
    text = driver.to_json(driver.run(read_processes(ex / f"{num}.jsonl"), load_ini(ini)), meta=False)
    assert json.loads(text) == json.loads((ex / f"{num}.expected").read_text())


def test_doc_meta_example_r024():
    """Cardinal's docs show Meta for the R024 fixture: q1 66.6667, q3 100.0, lower fence 16.6667 (rounded to 4 decimals)."""
    text = driver.to_json(driver.run(read_processes(FIXTURES / "R024.jsonl"), build(
        {"no_price_comparison_procurement_methods": "NPC", "exclusions": {"procurement_method_details": "EXC"}, "R024": {}})))
    assert json.loads(text)["Meta"] == {"R024": {"q1": 66.6667, "q3": 100.0, "lower_fence": 16.6667}}
    assert text.startswith('{"OCID":{')  # compact, Cardinal's key names


@pytest.mark.parametrize("name", ["R024", "R025", "R038", "R048-minimum_contracting_processes-1", "R058", "R028", "R035"])
def test_chunks_combine_to_the_same_result(name, tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(ini_for(name))
    config = load_ini(ini)
    procs = list(read_processes(FIXTURES / f"{name}.jsonl"))
    whole = driver.result_object(driver.run(procs, config))
    for cut in (1, len(procs) // 2, len(procs) - 1):
        parts = driver.result_object(driver.run_chunks([procs[:cut], procs[cut:]], config))
        assert parts == whole


def test_cli_prints_cardinal_json(cli, tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(ini_for("R058"))
    r = cli("ocds", "indicators", FIXTURES / "R058.jsonl", "--settings", ini, "--count")
    out = json.loads(r.stdout)
    assert out["OCID"] == {"F": {"R058": 100.0}} and set(out["Meta"]["R058"]) == {"q1", "q3", "upper_fence"}
    assert "OCID: 1" in r.stderr and "Tenderer: 1" in r.stderr
