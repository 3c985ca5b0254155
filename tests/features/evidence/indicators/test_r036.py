"""features.evidence.indicators.r036: Cardinal's fixtures for R036 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r036 import R036
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r036_is_one_of_cardinals_eleven():
    assert REGISTRY["R036"] is R036 and R036.code == "R036" and R036.cardinal and "R036" in CARDINAL
    assert names_of("R036"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R036"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
