"""features.evidence.indicators.r048: Cardinal's fixtures for R048 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r048 import R048
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r048_is_one_of_cardinals_eleven():
    assert REGISTRY["R048"] is R048 and R048.code == "R048" and R048.cardinal and "R048" in CARDINAL
    assert names_of("R048"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R048"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
