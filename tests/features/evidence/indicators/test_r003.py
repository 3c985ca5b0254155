"""features.evidence.indicators.r003: Cardinal's fixtures for R003 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r003 import R003
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r003_is_one_of_cardinals_eleven():
    assert REGISTRY["R003"] is R003 and R003.code == "R003" and R003.cardinal and "R003" in CARDINAL
    assert names_of("R003"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R003"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
