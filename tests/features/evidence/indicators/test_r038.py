"""features.evidence.indicators.r038: Cardinal's fixtures for R038 reproduce exactly."""
from __future__ import annotations

import pytest
from features.evidence.indicators import REGISTRY, CARDINAL
from features.evidence.indicators.r038 import R038
from tests.features.evidence.indicators.cardinal import check_fixture, names_of


def test_r038_is_one_of_cardinals_eleven():
    assert REGISTRY["R038"] is R038 and R038.code == "R038" and R038.cardinal and "R038" in CARDINAL
    assert names_of("R038"), "every Cardinal indicator has a vendored fixture"


@pytest.mark.parametrize("name", names_of("R038"))
def test_cardinal_fixture(name, tmp_path):
    check_fixture(name, tmp_path)
