"""riskmodels.simulation: the simulate entry point: sizes, seeds, formats, bad arguments, no overwrite without --force."""
from __future__ import annotations
from __future__ import annotations

from tests.hostile import _bids
import pytest
from features.core.errors import InputError
from riskmodels.simulation import simulate
from tests.riskmodels.simulation.world import small_settings


def test_simulate_does_not_replace_data_without_force(cli, tmp_path):
    u = _bids(tmp_path / "u", "T1,B1,100\nT1,B2,101\n")
    (u / "notes.txt").write_text("keep")
    before = (u / "bids.csv").read_bytes()
    cli("data", "simulate", "--scale", "tiny", "--out", u, code=2, err="bids.csv")
    assert (u / "bids.csv").read_bytes() == before
    cli("data", "simulate", "--scale", "tiny", "--out", u, "--force", err="wrote")
    assert (u / "bids.csv").read_bytes() != before and (u / "notes.txt").read_text() == "keep"
    assert not [p for p in u.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_tiny_sizes(sim_city):
    _, s = sim_city
    t = s["tables"]
    assert t["enterprises"] == 2_000 and t["tenders"] == 1_000
    assert 6 <= t["bids"] / t["tenders"] <= 9
    assert s["cartels"] == 12 and 0.08 <= s["collusive_tenders"] / t["tenders"] <= 0.3


def test_bad_arguments_and_settings_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="scale"):
        simulate(tmp_path, scale="planet")
    with pytest.raises(InputError, match="format"):
        simulate(tmp_path, fmt="xlsx")
    with pytest.raises(InputError, match="cartel_size"):
        simulate(tmp_path, settings=small_settings(cartel_size=[5, 2]))
    with pytest.raises(InputError, match="schemes"):
        simulate(tmp_path, settings=small_settings(schemes={"bribery": 1.0}))


def test_cli_simulate(cli, tmp_path):
    (tmp_path / "s.toml").write_text("[simulate]\nenterprises = 400\ntenders = 200\ncartels = 3\n", encoding="utf-8")
    cli("--settings", tmp_path / "s.toml", "data", "simulate", "--out", tmp_path / "c", "--seed", "2",
        err="3 planted cartels")
    assert (tmp_path / "c" / "bids.csv").exists() and (tmp_path / "c" / "truth" / "cartels.csv").exists()
    cli("data", "simulate", "--out", tmp_path / "x", "--scale", "planet", code=2, err="scale")
    (tmp_path / "bad.toml").write_text("[simulate]\ncartel_sise = 3\n", encoding="utf-8")
    cli("--settings", tmp_path / "bad.toml", "data", "simulate", "--out", tmp_path / "y", code=2, err="cartel_sise")
