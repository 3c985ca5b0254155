"""features.evidence.indicators.r025: Cardinal's fixtures for R025 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r025 import R025
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r025_is_one_of_cardinals_eleven():
    assert REGISTRY["R025"] is R025 and R025.code == "R025" and R025.cardinal and "R025" in CARDINAL
    assert names_of("R025"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R025"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
