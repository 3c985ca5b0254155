"""features.evidence.flags: legal and catalogue flags combined on a dataset, unknown codes refused."""
from __future__ import annotations

import dataclasses
import pandas as pd
import pytest
from features.evidence.flags import collusion_flags, flagged_tenders
from features.core.settings import FlagsSettings
from tests.features.evidence.legal.bids_with_flags import bid, bids_frame


def test_collusion_flags_combines_and_rejects_unknown_codes():
    bids = bids_frame([bid("T1", "A", 100, deposit_account="9"), bid("T1", "B", 101, deposit_account="9")])
    ev, meta = collusion_flags({"bids": bids}, FlagsSettings())
    assert list(ev["code"]) == ["A40.6"] and flagged_tenders(ev) == {"T1"}
    assert meta["A40.6"]["findings"] == 1.0 and "upper_fence" in meta["R022"] or "tenders" in meta["R022"]
    from features.core.errors import SettingsError

    with pytest.raises(SettingsError, match="R999"):
        collusion_flags({"bids": bids}, dataclasses.replace(FlagsSettings(), enabled=["R999"]))
    with pytest.raises(SettingsError, match="threshhold"):
        collusion_flags({"bids": bids}, dataclasses.replace(FlagsSettings(), indicators={"R053": {"threshhold": 1}}))


def test_collusion_flags_cli(cli, tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    pd.DataFrame({"tender_id": ["T1", "T2"]}).to_csv(d / "tenders.csv", index=False)
    bids_frame([bid("T1", "A", 100, project_manager_id="PM7"), bid("T1", "B", 101, project_manager_id="PM7"),
                bid("T2", "A", 100), bid("T2", "C", 130)]).to_csv(d / "bids.csv", index=False)
    out = tmp_path / "flags.csv"
    r = cli("collusion", "flags", d, "--out", out, "--meta", tmp_path / "meta.json", err="1 findings in 1 tenders")
    assert "A40.3 1" in r.stderr
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert list(got["code"]) == ["A40.3"] and "the same project manager 'PM7'" in got["evidence"].iloc[0]
    cli("collusion", "flags", tmp_path / "missing", "--out", out, code=2)


def test_cardinal_codes_on_a_dataset():
    """Cardinal's R028 (identical prices) and R035 run on canonical tables when enabled in [flags]."""
    bids = bids_frame([bid("T1", "A", 100, is_winner=1.0), bid("T1", "B", 100, is_winner=0.0), bid("T1", "C", 120, is_winner=0.0),
                       bid("T2", "A", 100, is_winner=1.0), bid("T2", "B", 90, status="disqualified", is_winner=0.0)])
    ev, meta = collusion_flags({"bids": bids}, dataclasses.replace(FlagsSettings(), enabled=["R028", "R035"]))
    got = set(zip(ev["code"], ev["level"], ev["tender_id"], ev["bidders"]))
    assert got == {("R028", "tender", "T1", ""), ("R028", "bidder", "", "A"), ("R028", "bidder", "", "B"),
                   ("R035", "tender", "T2", ""), ("R035", "bidder", "", "A")}
    assert "R028 Identical bid prices: tender T1, value 1" in set(ev["evidence"])
    assert meta["R028"]["tenders_flagged"] == 1.0
