"""features.evidence.indicators.r018: Cardinal's fixtures for R018 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r018 import R018
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r018_is_one_of_cardinals_eleven():
    assert REGISTRY["R018"] is R018 and R018.code == "R018" and R018.cardinal and "R018" in CARDINAL
    assert names_of("R018"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R018"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
