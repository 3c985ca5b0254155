"""features.evidence.indicators.canonical: the beyond-Cardinal codes run on OCDS processes through the canonical tables."""
from __future__ import annotations

import json
from features.evidence.indicators import driver
from features.evidence.indicators.config import build
from features.imports.ocds import read_processes


def test_beyond_codes_run_on_ocds(tmp_path):
    """[R057] in the INI switches the flag on for OCDS input; results and Meta come out in Cardinal's shape."""
    lines = []
    for k in range(6):
        w = "C" if k % 2 == 0 else "D"
        lines.append(json.dumps({"ocid": f"ocds-{k}", "bids": {"details": [
            {"status": "valid", "tenderers": [{"id": "C"}], "value": {"amount": 100 + k, "currency": "CNY"}},
            {"status": "valid", "tenderers": [{"id": "D"}], "value": {"amount": 103 + 2 * k, "currency": "CNY"}}]},
            "awards": [{"status": "active", "suppliers": [{"id": w}]}]}))
    src = tmp_path / "r.jsonl"
    src.write_text("\n".join(lines) + "\n")
    out = json.loads(driver.to_json(driver.run(read_processes(src), build({"R057": {"minimum_processes": 6}, "R024": {}}))))
    assert out["Tenderer"]["C"]["R057"] == 1.0 and out["Tenderer"]["D"]["R057"] == 1.0
    assert len([o for o in out["OCID"].values() if "R057" in o]) == 6
    assert out["Meta"]["R057"]["pairs"] == 1.0 and "R024" in out["Meta"]
