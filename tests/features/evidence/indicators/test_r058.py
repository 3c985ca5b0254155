"""features.evidence.indicators.r058: Cardinal's fixtures for R058 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r058 import R058
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r058_is_one_of_cardinals_eleven():
    assert REGISTRY["R058"] is R058 and R058.code == "R058" and R058.cardinal and "R058" in CARDINAL
    assert names_of("R058"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R058"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
