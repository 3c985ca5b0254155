"""riskmodels.credit.profile: the enterprise profile page, escaped, in both languages."""
from __future__ import annotations

import pandas as pd
from tests.riskmodels.regulator import _text


def test_profile_shows_the_firm_escaped_in_both_languages(city, cli, tmp_path):
    c = city
    t = pd.read_csv(c["tiers"], dtype=str, keep_default_na=False)
    top = t.sort_values("probability", key=pd.to_numeric, ascending=False).iloc[0]
    eid = top["enterprise_id"]
    ev = pd.read_csv(c["data"] / "credit_events.csv", dtype=str)
    ins = pd.read_csv(c["data"] / "inspections.csv", dtype=str)
    n_ev, n_in = int((ev.enterprise_id == eid).sum()), int((ins.enterprise_id == eid).sum())
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "p.html",
        "--groups", c["dir"] / "groups.csv", err="wrote")
    text = _text(tmp_path / "p.html")
    name = c["ent"].set_index("enterprise_id").loc[eid, "name"]
    assert name in text and f"{n_ev} credit events" in text and f"{n_in} inspections" in text
    assert top["reasons"].split(";")[0].strip() in text and f"as of {top['as_of']}" in text
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://e.example", "") and "<link" not in page  # offline: no outside resource
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "p.html", code=2,
        err="--force")
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "zh.html", "--lang", "zh")
    assert f"信用记录 {n_ev} 条" in _text(tmp_path / "zh.html")
    # the firm whose name is HTML: escaped, never markup
    odd = c["ent"].loc[3, "enterprise_id"]
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", odd, "--out", tmp_path / "odd.html")
    raw = (tmp_path / "odd.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", "NOPE", "--out", tmp_path / "x.html", code=2,
        err="not in the enterprises table")
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{eid}\n{odd}\n", encoding="utf-8")
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--ids", ids, "--out", tmp_path / "batch", err="2 profiles")
    index = (tmp_path / "batch" / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 3 and all((tmp_path / "batch" / f"{e}.html").exists() for e in (eid, odd))
