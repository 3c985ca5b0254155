"""features.evidence.indicators.r028: Cardinal's fixtures for R028 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r028 import R028
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r028_is_one_of_cardinals_eleven():
    assert REGISTRY["R028"] is R028 and R028.code == "R028" and R028.cardinal and "R028" in CARDINAL
    assert names_of("R028"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R028"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
