"""riskmodels.credit.lists: red and black lists, each row with the rule it meets."""
from __future__ import annotations

import json
import pandas as pd


def test_lists_each_row_with_its_rule(city, cli, tmp_path):
    c = city
    out = tmp_path / "lists"
    cli("credit", "lists", c["data"], "--tiers", c["tiers"], "--out", out, err="black list")
    red, black = (pd.read_csv(out / f"{k}.csv", dtype=str, keep_default_na=False) for k in ("red", "black"))
    assert len(black) > 0 and (black["rule"] != "").all() and (red["rule"] != "").all()
    assert not set(red["enterprise_id"]) & set(black["enterprise_id"])
    ev = pd.read_csv(c["data"] / "credit_events.csv", dtype=str)
    t = pd.read_csv(c["tiers"], dtype=str)
    when = pd.Timestamp(t["as_of"].iloc[0])
    d = pd.to_datetime(ev["occurred_on"])
    listed = set(ev.loc[ev["event_type"].isin(["serious_illegal_dishonest_list", "dishonest_judgment_debtor"])
                        & (d < when) & (d >= when - pd.Timedelta(days=1095)), "enterprise_id"])
    assert listed <= set(black["enterprise_id"])  # the documented event rule, checked against the data
    assert set(t.loc[t["enterprise_id"].isin(red["enterprise_id"]), "tier"]) <= {"A"}
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "high stratum" in m["effect_on_inspection_plans"]["black"] and '"/' not in (out / "manifest.json").read_text()
    cli("credit", "lists", c["data"], "--tiers", c["tiers"], "--out", out, code=2, err="--force")
    dec = tmp_path / "dec.csv"
    first_black = black["enterprise_id"].iloc[0]
    pd.DataFrame({"enterprise_id": [first_black], "list": ["none"], "reason": ["appeal upheld"]}).to_csv(dec, index=False)
    cli("credit", "lists", c["data"], "--tiers", c["tiers"], "--out", out, "--decisions", dec, "--force")
    assert first_black not in set(pd.read_csv(out / "black.csv", dtype=str)["enterprise_id"])
    # the lists' effect on a plan: black-listed firms in the high stratum, verified with the lists as inputs
    black = pd.read_csv(out / "black.csv", dtype=str)
    plan = tmp_path / "plan"
    cli("inspect", "plan", c["data"], "--tiers", c["tiers"], "--seed", "s", "--out", plan, "--lists", out, err="black moved")
    inc = pd.read_csv(plan / "inclusion.csv", dtype=str)
    assert set(inc.loc[inc["enterprise_id"].isin(black["enterprise_id"]), "tier"]) == {"D"}
    cli("inspect", "verify", plan, out="OK")
    black.iloc[1:].to_csv(out / "black.csv", index=False)
    cli("inspect", "verify", plan, code=1, out="input changed")
