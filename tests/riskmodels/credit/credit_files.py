"""Shared test helpers (split from tests/test_credit_cli.py)."""
from __future__ import annotations

import json
from pathlib import Path
import pytest


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "credit"


FAST = """
[credit]
max_rounds = 100
inner_folds = 3
folds = 3
"""


@pytest.fixture
def fast_settings(tmp_path):
    p = tmp_path / "fast.toml"
    p.write_text(FAST, encoding="utf-8")
    return p


def _json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    from features.core.settings import load_settings
    from riskmodels.simulation import simulate

    d = tmp_path_factory.mktemp("city")
    s = d / "sim.toml"
    s.write_text("[simulate]\nenterprises = 400\ntenders = 120\ncartels = 2\n", encoding="utf-8")
    simulate(d / "city", scale="tiny", seed=3, settings=load_settings(s))
    return d / "city"
