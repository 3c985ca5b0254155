"""Cardinal conformance (vendored fixtures and doc examples), the indicator settings file, order statistics, and the
partial -> combine -> finalize path."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from features.core.errors import SettingsError
from features.evidence.indicators import engine, stats
from features.evidence.indicators.config import build, load_ini, pipe
from features.imports.ocds import ReadReport, read_processes

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
NAMES = sorted(p.stem for p in FIXTURES.glob("R*.jsonl"))
EXAMPLES = sorted(p.stem for p in (FIXTURES / "examples").glob("*.jsonl"))


def ini_for(name: str) -> str:
    """The settings a fixture's name carries (see tests/fixtures/indicators/README.md)."""
    parts = name.replace("+", "|").split("-")
    code, rest = parts[0], parts[1:]
    lines = ["no_price_comparison_procurement_methods = NPC", "", "[exclusions]", "procurement_method_details = EXC", "",
             f"[{code}]"]
    if len(rest) == 2:
        lines.append(f"{rest[0]} = {rest[1]}")
    elif len(rest) > 2:
        lines += ["", f"[{code}.{rest[0]}]"] + [f"{k} = {v}" for k, v in zip(rest[1::2], rest[2::2])]
    return "\n".join(lines) + "\n"


def results(path: Path, ini: Path, meta: bool = False) -> dict:
    return json.loads(engine.to_json(engine.run(read_processes(path), load_ini(ini)), meta=meta))


def test_every_indicator_has_a_fixture():
    from features.evidence.indicators import CARDINAL

    assert len(NAMES) == 15
    assert {n.split("-")[0] for n in NAMES} == set(CARDINAL)


@pytest.mark.parametrize("name", NAMES)
def test_cardinal_fixture(name, tmp_path):
    ini = tmp_path / "settings.ini"
    ini.write_text(ini_for(name))
    expected = {k: v for k, v in json.loads((FIXTURES / f"{name}.expected").read_text()).items() if v}
    assert results(FIXTURES / f"{name}.jsonl", ini) == expected


@pytest.mark.parametrize("num", EXAMPLES)
def test_doc_example(num):
    ex = FIXTURES / "examples"
    ini = ex / f"{num}.ini" if (ex / f"{num}.ini").exists() else ex / "settings.ini"
    text = engine.to_json(engine.run(read_processes(ex / f"{num}.jsonl"), load_ini(ini)), meta=False)
    assert json.loads(text) == json.loads((ex / f"{num}.expected").read_text())


def test_doc_meta_example_r024():
    """Cardinal's docs show Meta for the R024 fixture: q1 66.6667, q3 100.0, lower fence 16.6667 (rounded to 4 decimals)."""
    text = engine.to_json(engine.run(read_processes(FIXTURES / "R024.jsonl"), build(
        {"no_price_comparison_procurement_methods": "NPC", "exclusions": {"procurement_method_details": "EXC"}, "R024": {}})))
    assert json.loads(text)["Meta"] == {"R024": {"q1": 66.6667, "q3": 100.0, "lower_fence": 16.6667}}
    assert text.startswith('{"OCID":{')  # compact, Cardinal's key names


@pytest.mark.parametrize("name", ["R024", "R025", "R038", "R048-minimum_contracting_processes-1", "R058", "R028", "R035"])
def test_chunks_combine_to_the_same_result(name, tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(ini_for(name))
    config = load_ini(ini)
    procs = list(read_processes(FIXTURES / f"{name}.jsonl"))
    whole = engine.result_object(engine.run(procs, config))
    for cut in (1, len(procs) // 2, len(procs) - 1):
        parts = engine.result_object(engine.run_chunks([procs[:cut], procs[cut:]], config))
        assert parts == whole


def test_type8_quantiles_match_numpy():
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 4, 9, 10, 57):
        x = rng.gamma(2.0, size=n)
        for tau in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0):
            assert stats.quantile(x, tau) == pytest.approx(np.quantile(x, tau, method="median_unbiased"), rel=1e-12, abs=1e-15)
    assert math.isnan(stats.quantile([], 0.25))
    assert stats.quartiles([0, 0, 100, 100, 100, 100, 100, 100, 100]) == (pytest.approx(200 / 3), 100.0)


def test_fences_and_meta_rounding():
    assert stats.lower_fence(0.05, 0.07) == pytest.approx(0.02)
    assert stats.upper_fence(0.05, 0.07) == pytest.approx(0.10)
    assert stats.round4(0.00005) == 0.0001 and stats.round4(-0.00005) == -0.0001  # halves away from zero, as Rust
    assert stats.round4(float("nan")) is None


def test_ini_settings(tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text("currency = USD\nprice_comparison_procurement_methods = Reverse Auction|\n\n[exclusions]\n"
                   "procurement_method_details = Random Selection|Sorteo de Obras\n\n[R003]\nthreshold = 10 ; comment\n"
                   "procurement_methods = open|selective\n[R003.procurement_method_details]\nCotización = 7\n[R028]\n"
                   "[defaults]\ncurrency = USD\n")
    cfg = load_ini(ini)
    assert cfg.globals.currency == "USD"
    assert cfg.globals.price_comparison_procurement_methods == {"Reverse Auction"}
    assert cfg.globals.excluded_procurement_method_details == {"Random Selection", "Sorteo de Obras"}
    assert set(cfg.enabled) == {"R003", "R028"}
    r003 = cfg.enabled["R003"]
    assert (r003.threshold, r003.procurement_methods, r003.procurement_method_details) == (
        10, {"open", "selective"}, {"Cotización": 7})
    assert pipe("") == frozenset() and pipe("a||b") == {"a", "", "b"}


@pytest.mark.parametrize("text, needle", [
    ("[R024]\nthreshhold = 0.1\n", "threshhold"),
    ("[R099]\n", "R099"),
    ("[R003]\nthreshold = -1\n", "natural number"),
    ("[R024]\nthreshold = abc\n", "decimal"),
    ("[R028]\nthreshold = 1\n", "not configurable"),
    ("colour = red\n", "colour"),
])
def test_ini_errors_name_the_key(tmp_path, text, needle, cli):
    ini = tmp_path / "s.ini"
    ini.write_text(text)
    with pytest.raises(SettingsError, match=needle):
        load_ini(ini)
    cli("ocds", "indicators", FIXTURES / "R018.jsonl", "--settings", ini, code=2, err=needle)


def test_default_settings_enable_all_eleven():
    assert len(load_ini(None).enabled) == 11


def test_cli_prints_cardinal_json(cli, tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(ini_for("R058"))
    r = cli("ocds", "indicators", FIXTURES / "R058.jsonl", "--settings", ini, "--count")
    out = json.loads(r.stdout)
    assert out["OCID"] == {"F": {"R058": 100.0}} and set(out["Meta"]["R058"]) == {"q1", "q3", "upper_fence"}
    assert "OCID: 1" in r.stderr and "Tenderer: 1" in r.stderr


def test_bad_lines_are_reported_and_skipped(cli, tmp_path):
    src = tmp_path / "bad.jsonl"
    good = (FIXTURES / "examples" / "018.jsonl").read_text().strip()
    src.write_text("\n".join([
        '{"ocid": 1}',                      # 1 ocid not a string
        "{not json",                        # 2 invalid JSON
        "[1, 2]",                           # 3 not an object
        "",                                 # 4 empty: ignored
        '{"tender": {}}',                   # 5 no ocid
        '{"ocid": "x", "bids": {"details": [{"status": "valid", "value": {"amount": "12"}}]}, "tender": []}',  # 6 wrong types
        '{"ocid": "y", "bids": {"details": [{"value": {"amount": NaN}}]}}',  # 7 NaN is not JSON
        good,                               # 8 fine and flagged
    ]) + "\n")
    report = ReadReport()
    procs = list(read_processes(src, report))
    assert [p.ocid for p in procs] == ["x", "F"]
    assert (report.read, report.accepted, report.skipped) == (7, 2, 5)
    skipped = sorted(i.line for i in report.issues if i.skipped)
    assert skipped == [1, 2, 3, 5, 7]
    fields = {(i.line, i.path) for i in report.issues if not i.skipped}
    assert fields == {(6, "/tender"), (6, "/bids/details[0]/value/amount")}
    issues_csv = tmp_path / "issues.csv"
    r = cli("ocds", "indicators", src, "--issues", issues_csv)
    assert json.loads(r.stdout)["OCID"] == {"F": {"R018": 1.0}}
    for needle in ("line 1", "line 2", "line 3", "line 5", "line 6 (ocid x)", "line 7", "7 lines = 2 accepted + 5 skipped"):
        assert needle in r.stderr
    assert len(issues_csv.read_text(encoding="utf-8").strip().splitlines()) == 1 + 7


def test_r030_compares_instants_not_text(tmp_path):
    """Cardinal compares the date strings; 2000-03-15T01:00:00+02:00 is before the 00:00Z deadline although its text sorts after."""
    src = tmp_path / "tz.jsonl"
    rows = []
    for ocid, date in (("early", "2000-03-15T01:00:00+02:00"), ("late", "2000-03-14T23:00:00-02:00")):
        rows.append(json.dumps({"ocid": ocid, "tender": {"tenderPeriod": {"endDate": "2000-03-15T00:00:00Z"}},
                                "bids": {"details": [{"status": "valid", "date": date, "tenderers": [{"id": "W"}]}]},
                                "awards": [{"status": "active", "suppliers": [{"id": "W"}]}]}))
    src.write_text("\n".join(rows) + "\n")
    out = json.loads(engine.to_json(engine.run(read_processes(src), build({"R030": {}})), meta=False))
    assert out == {"OCID": {"late": {"R030": 1.0}}, "Tenderer": {"W": {"R030": 1.0}}}
