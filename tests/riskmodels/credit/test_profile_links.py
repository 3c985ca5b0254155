"""riskmodels.credit.profile: the profile links the firm's pages of a collusion case file (relative links that resolve),
shows open suspicions as a banner and names confirmed verdicts, in Chinese too."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from features.core.errors import InputError
from features.core.settings import Settings
from riskmodels.credit.profile import ProfileData, case_file_links, enterprise_profile, localised_override

ENT = pd.DataFrame({"enterprise_id": ["F1", "F2"], "name": ["甲公司", "乙公司"]})
BIDS = pd.DataFrame({"tender_id": ["T1", "T2", "T1"], "bidder_id": ["F1", "F1", "F2"], "price": [1.0, 2.0, 1.1]})
TIERS = pd.DataFrame({"enterprise_id": ["F1", "F2"], "tier": ["D", "A"], "as_of": ["2026-02-01"] * 2,
                      "reasons": ["on record in the 36 months before 2026-02-01: 2 lost court cases; no penalty in the 12 "
                                  "months before 2026-02-01 (lowers risk)", ""],
                      "reasons_zh": ["2026-02-01 前 36 个月内在案：败诉裁判 2 次；2026-02-01 前 12 个月内无罚款（降低风险）", ""],
                      "override": ["confirmed collusion: tender T1 (verdict 3, 2026-11-30, by chen) -> D", ""]})


def _case_file(root: Path) -> Path:
    rep = root / "cases"
    for rel, text in (("index.html", ""), ("firms/F1.html", ""), ("tenders/T1.html", ""),
                      ("groups/group-0003.html", '<a href="../firms/F1.html">'), ("groups/group-0004.html", "other")):
        (rep / rel).parent.mkdir(parents=True, exist_ok=True)
        (rep / rel).write_text(text, encoding="utf-8")
    return rep


def test_links_resolve_to_the_case_file_pages_of_the_firm(tmp_path):
    rep = _case_file(tmp_path)
    page_dir = tmp_path / "profiles"
    page_dir.mkdir()
    data = ProfileData({"enterprises": ENT, "bids": BIDS}, TIERS, Settings(), report=rep)
    links = case_file_links(data, "F1", ["T1", "T2"], page_dir)
    assert [t["tender_id"] for t in links["tenders"]] == ["T1"]  # T2 has no page in the case file
    assert [g["name"] for g in links["groups"]] == ["3"]
    for href in [links["firm"], links["tenders"][0]["href"], links["groups"][0]["href"]]:
        assert not os.path.isabs(href) and (page_dir / href).resolve().is_file()
    with pytest.raises(InputError, match="not a collusion case file"):
        ProfileData({"enterprises": ENT}, TIERS, Settings(), report=tmp_path / "nothing")


def test_banner_for_an_open_suspicion_and_chinese_reasons(tmp_path):
    scores = pd.DataFrame({"tender_id": ["T1", "T2"], "score": [0.9, 0.8], "flag": [1, 1]})
    data = ProfileData({"enterprises": ENT, "bids": BIDS}, TIERS, Settings(), scores=scores)
    p = enterprise_profile(data, "F2", "en")
    assert p["suspected"].startswith("Suspected of collusion in 1 tender(s)") and "not confirmed" in p["suspected"]
    z = enterprise_profile(data, "F1", "zh")
    assert z["reasons"] == ["2026-02-01 前 36 个月内在案：败诉裁判 2 次", "2026-02-01 前 12 个月内无罚款（降低风险）"]
    assert z["override"] == "经认定的串通投标：项目 T1（认定编号 3，2026-11-30，认定人 chen） -> D"
    assert "涉嫌在 2 个" in z["suspected"]


def test_policy_overrides_read_in_chinese():
    assert localised_override("serious illegal and dishonest list -> D", "zh") == "列入严重违法失信名单 -> D"
    assert localised_override("no credit or inspection history -> B", "en") == "no credit or inspection history -> B"
