"""riskmodels.inspection.publish: every visit done is published with its result, nothing private, the CSV with a BOM,
and each row traceable to the plan's notice."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from features.core.errors import InputError
from features.core.settings import Settings
from riskmodels.inspection.publish import publish_results, write_publication
from riskmodels.inspection.analysis import PlanFolder

VISITS = pd.DataFrame({"visit_id": ["2026-03-00001", "2026-03-00002"], "enterprise_id": ["F1", "F2"], "tier": ["D", "A"],
                       "departments": ["market_regulation;tax", "tax"], "inspectors": ["I1;I2", "I3"],
                       "window": ["2026-03-01/2026-03-31"] * 2, "triggered": ["0", "1"]})
MANIFEST = {"period": "2026-03", "seed": "lottery 12", "seed_key": "ab" * 32, "outputs": {"notice.csv": "cd" * 32},
            "summary": {"window": "2026-03-01/2026-03-31"}}
RESULTS = pd.DataFrame({"enterprise_id": ["F1", "F1", "F2", "F9"], "inspected_on": ["2026-03-05", "2026-03-05", "2026-03-31", "2026-03-06"],
                        "department": ["market_regulation", "tax", "tax", "tax"], "inspector_ids": ["I1", "I2", "I3", "I3"],
                        "result": ["fail", "pass", "pass", "fail"], "penalty": ["5000", "", "", ""],
                        "violation": ["expired food on sale", "", "", ""]})
ENT = pd.DataFrame({"enterprise_id": ["F1", "F2", "F9"], "name": ["甲公司", "乙公司", "丙公司"], "legal_rep_id": ["P1", "P2", "P3"]})


@pytest.fixture
def plan(tmp_path):
    return PlanFolder(tmp_path, MANIFEST, VISITS, None)


def test_each_done_visit_is_one_public_row_with_nothing_private(plan, tmp_path):
    pub = publish_results([plan], RESULTS, ENT, Settings(), "en")
    rows = pub["rows"]
    assert rows["visit_id"].tolist() == ["2026-03-00001", "2026-03-00001", "2026-03-00002"]  # F9 was not a planned visit
    assert pub["plans"][0]["results_not_in_plan"] == 1 and pub["plans"][0]["violations"] == 1
    f1 = rows[rows["department"] == "Market regulation"].iloc[0]
    assert (f1["name"], f1["result"], f1["violation"], f1["decision"]) == (
        "甲公司", "violation found", "expired food on sale", "administrative penalty of 5,000 yuan")
    r = write_publication(pub, tmp_path / "pub")
    raw = (tmp_path / "pub" / "results.csv").read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf" and r["rows"] == 3
    import re

    blob = " ".join((tmp_path / "pub" / n).read_text(encoding="utf-8") for n in ("results.csv", "results.html", "manifest.json"))
    blob = re.sub(r"(?s)<style>.*?</style>", "", blob)  # the shared stylesheet names its badge classes
    for private in ("I1", "I2", "I3", "P1", "tier", "inclusion_probability", "triggered"):
        assert private not in blob.replace("inspectors, credit tiers, risk, inclusion probabilities and trigger reasons", "")
    m = json.loads((tmp_path / "pub" / "manifest.json").read_text(encoding="utf-8"))
    assert m["plans"][0]["seed_key"] == "ab" * 32 and m["plans"][0]["notice_sha256"] == "cd" * 32
    assert (tmp_path / "pub" / "results.xlsx").stat().st_size > 0


def test_chinese_publication_and_a_results_file_without_a_result_column(plan):
    pub = publish_results([plan], RESULTS, ENT, Settings(), "zh")
    assert list(pub["rows"].rename(columns={}).columns)[:3] == ["visit_id", "enterprise_id", "name"]
    assert set(pub["rows"]["result"]) == {"发现问题", "未发现问题"} and "市场监管双随机抽查" in set(pub["rows"]["item"])
    with pytest.raises(InputError, match="result"):
        publish_results([plan], RESULTS.drop(columns="result"), ENT, Settings(), "en")
