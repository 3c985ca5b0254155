"""features.evidence.indicators.r024: Cardinal's fixtures for R024 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r024 import R024
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r024_is_one_of_cardinals_eleven():
    assert REGISTRY["R024"] is R024 and R024.code == "R024" and R024.cardinal and "R024" in CARDINAL
    assert names_of("R024"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R024"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
