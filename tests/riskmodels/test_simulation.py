"""riskmodels.simulation: the simulate entry point: sizes, seeds, formats, bad arguments, no overwrite without --force."""
from __future__ import annotations

from tests.hostile import _bids


def test_simulate_does_not_replace_data_without_force(cli, tmp_path):
    u = _bids(tmp_path / "u", "T1,B1,100\nT1,B2,101\n")
    (u / "notes.txt").write_text("keep")
    before = (u / "bids.csv").read_bytes()
    cli("data", "simulate", "--scale", "tiny", "--out", u, code=2, err="bids.csv")
    assert (u / "bids.csv").read_bytes() == before
    cli("data", "simulate", "--scale", "tiny", "--out", u, "--force", err="wrote")
    assert (u / "bids.csv").read_bytes() != before and (u / "notes.txt").read_text() == "keep"
    assert not [p for p in u.iterdir() if p.name.startswith(".")]  # no temporary folder left
