"""A dataset's name and fingerprint in records (`features.identity`): never a path; same bytes, same fingerprint."""
from __future__ import annotations

import json
import shutil

from features.io.identity import dataset_fingerprint, dataset_identity, dataset_name


def test_name_of_a_simulated_city_and_of_any_folder(tmp_path):
    city = tmp_path / "c1"
    (city / "truth").mkdir(parents=True)
    (city / "truth" / "simulation.json").write_text(json.dumps({"scale": "tiny", "seed": 1}))
    assert dataset_name(city) == "city-tiny-s1"
    other = tmp_path / "italy"
    other.mkdir()
    assert dataset_name(other) == "italy" and "/" not in dataset_name(tmp_path / "italy")


def test_fingerprint_follows_the_bytes_not_the_place(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    (a / "bids.csv").write_text("tender_id,bidder_id,price\nT1,F1,100\n")
    (a / "truth").mkdir()
    (a / "truth" / "tenders.csv").write_text("x\n")
    b = tmp_path / "elsewhere" / "b"
    shutil.copytree(a, b)
    assert dataset_fingerprint(a) == dataset_fingerprint(b) and len(dataset_fingerprint(a)) == 12
    (b / "truth" / "tenders.csv").write_text("changed truth is not the data\n")
    assert dataset_fingerprint(a) == dataset_fingerprint(b)
    (b / "bids.csv").write_text("tender_id,bidder_id,price\nT1,F1,101\n")
    assert dataset_fingerprint(a) != dataset_fingerprint(b)
    assert dataset_fingerprint(tmp_path / "none") == "absent"
    ident = dataset_identity([a, b])
    assert ident["data"] == "a+b" and ident["data_fingerprint"].count("+") == 1
