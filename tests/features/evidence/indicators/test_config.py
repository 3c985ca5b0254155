"""features.evidence.indicators.config: the Cardinal settings file read, every error naming its key."""
from __future__ import annotations

import pytest
from features.core.errors import SettingsError
from features.evidence.indicators.config import load_ini, pipe
from tests.features.evidence.indicators.cardinal import FIXTURES


def test_ini_settings(tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text("currency = USD\nprice_comparison_procurement_methods = Reverse Auction|\n\n[exclusions]\n"
                   "procurement_method_details = Random Selection|Sorteo de Obras\n\n[R003]\nthreshold = 10 ; comment\n"
                   "procurement_methods = open|selective\n[R003.procurement_method_details]\nCotización = 7\n[R028]\n"
                   "[defaults]\ncurrency = USD\n")
    cfg = load_ini(ini)
    assert cfg.globals.currency == "USD"
    assert cfg.globals.price_comparison_procurement_methods == {"Reverse Auction"}
    assert cfg.globals.excluded_procurement_method_details == {"Random Selection", "Sorteo de Obras"}
    assert set(cfg.enabled) == {"R003", "R028"}
    r003 = cfg.enabled["R003"]
    assert (r003.threshold, r003.procurement_methods, r003.procurement_method_details) == (
        10, {"open", "selective"}, {"Cotización": 7})
    assert pipe("") == frozenset() and pipe("a||b") == {"a", "", "b"}


@pytest.mark.parametrize("text, needle", [
    ("[R024]\nthreshhold = 0.1\n", "threshhold"),
    ("[R099]\n", "R099"),
    ("[R003]\nthreshold = -1\n", "natural number"),
    ("[R024]\nthreshold = abc\n", "decimal"),
    ("[R028]\nthreshold = 1\n", "not configurable"),
    ("colour = red\n", "colour"),
])
def test_ini_errors_name_the_key(tmp_path, text, needle, cli):
    ini = tmp_path / "s.ini"
    ini.write_text(text)
    with pytest.raises(SettingsError, match=needle):
        load_ini(ini)
    cli("ocds", "indicators", FIXTURES / "R018.jsonl", "--settings", ini, code=2, err=needle)


def test_default_settings_enable_all_eleven():
    assert len(load_ini(None).enabled) == 11
