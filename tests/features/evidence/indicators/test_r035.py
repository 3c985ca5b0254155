"""features.evidence.indicators.r035: Cardinal's fixtures for R035 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r035 import R035
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r035_is_one_of_cardinals_eleven():
    assert REGISTRY["R035"] is R035 and R035.code == "R035" and R035.cardinal and "R035" in CARDINAL
    assert names_of("R035"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R035"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
