"""Shared test helpers (split from tests/test_regulator.py)."""
from __future__ import annotations

import html
import re
import pandas as pd
import pytest


FAST = "[credit]\nmax_rounds = 60\ninner_folds = 3\nfolds = 3\n"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A 400-firm city with one firm registered under a name that tries HTML and a formula, its groups as 'graph groups'
    writes them, a credit model trained with those groups, and its tiers."""
    from tests.conftest import run_cli
    from features.core.settings import load_settings
    from riskmodels.simulation import simulate

    d = tmp_path_factory.mktemp("reg")
    s = d / "sim.toml"
    s.write_text("[simulate]\nenterprises = 400\ntenders = 150\ncartels = 2\n", encoding="utf-8")
    simulate(d / "city", scale="tiny", seed=5, settings=load_settings(s))
    ent = pd.read_csv(d / "city" / "enterprises.csv", dtype=str, keep_default_na=False)
    ent.loc[3, "name"] = '<script>alert("x")</script>=HYPERLINK("http://e.example")'
    ent.to_csv(d / "city" / "enterprises.csv", index=False)
    fast = d / "fast.toml"
    fast.write_text(FAST, encoding="utf-8")
    run_cli("graph", "groups", d / "city", "--out", d / "groups.csv", err="groups")
    run_cli("--settings", fast, "credit", "train", d / "city", "--model-out", d / "model", "--groups", d / "groups.csv",
            err="held-out auc")
    run_cli("--settings", fast, "credit", "tier", d / "city", "--model", d / "model", "--out", d / "tiers.csv",
            "--groups", d / "groups.csv", err="tiered")
    return {"dir": d, "data": d / "city", "fast": fast, "tiers": d / "tiers.csv", "ent": ent}


def _text(p):
    return html.unescape(re.sub(r"<[^>]+>", " ", p.read_text(encoding="utf-8")))
