"""features.evidence.indicators.r030: Cardinal's fixtures for R030 reproduce exactly."""
from __future__ import annotations
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r030 import R030
from tests.features.evidence.indicators.cardinal import check_fixture, names_of
import json
from features.evidence.indicators import driver
from features.evidence.indicators.config import build
from features.imports.ocds import read_processes


def test_r030_is_one_of_cardinals_eleven():
    assert REGISTRY["R030"] is R030 and R030.code == "R030" and R030.cardinal and "R030" in CARDINAL
    assert names_of("R030"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R030"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)


def test_r030_compares_instants_not_text(tmp_path):
    """Cardinal compares the date strings; 2000-03-15T01:00:00+02:00 is before the 00:00Z deadline although its text sorts after."""
    src = tmp_path / "tz.jsonl"
    rows = []
    for ocid, date in (("early", "2000-03-15T01:00:00+02:00"), ("late", "2000-03-14T23:00:00-02:00")):
        rows.append(json.dumps({"ocid": ocid, "tender": {"tenderPeriod": {"endDate": "2000-03-15T00:00:00Z"}},
                                "bids": {"details": [{"status": "valid", "date": date, "tenderers": [{"id": "W"}]}]},
                                "awards": [{"status": "active", "suppliers": [{"id": "W"}]}]}))
    src.write_text("\n".join(rows) + "\n")
    out = json.loads(driver.to_json(driver.run(read_processes(src), build({"R030": {}})), meta=False))
    assert out == {"OCID": {"late": {"R030": 1.0}}, "Tenderer": {"W": {"R030": 1.0}}}
