"""features.core.settings: every value is checked when the settings are loaded, with one error naming `[section] key`."""
from __future__ import annotations

import dataclasses
import typing

import pytest

from features.core import settings as S
from features.core.errors import SettingsError
from features.core.settings import (EngineSettings, Settings, default_settings_text, load_settings, override, parse_size,
                               validate, validate_section)


def _load(tmp_path, text: str):
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return load_settings(p)


def test_the_defaults_and_the_default_file_pass_their_own_checks(tmp_path):
    validate(Settings())
    (tmp_path / "d.toml").write_text(default_settings_text(), encoding="utf-8")
    assert load_settings(tmp_path / "d.toml") == Settings()


@pytest.mark.parametrize("text, named", [
    ("[collusion]\nflag_share = 5\n", "[collusion] flag_share"),
    ("[collusion]\nflag_share = 5.0\n", "[collusion] flag_share"),
    ("[collusion]\nthreshold = 1.0\n", "[collusion] threshold"),
    ("[collusion]\ncalibration = \"platt\"\n", "[collusion] calibration"),
    ("[pairs]\nodd_ratio = 0.5\n", "[pairs] odd_ratio"),
    ("[graphs]\nmethod = \"foo\"\n", "[graphs] method"),
    ("[graphs]\nmin_group_size = 5\nmax_group_size = 3\n", "[graphs] max_group_size"),
    ("[graphs]\nrelation_weights = {phone = -1.0}\n", "[graphs] relation_weights.phone"),
    ("[validate]\ndate_order = \"ymd\"\n", "[validate] date_order"),
    ("[validate]\ntimezone = \"Mars/Olympus\"\n", "[validate] timezone"),
    ("[validate]\nmin_date = \"2030-01-01\"\nmax_date = \"2020-01-01\"\n", "[validate] min_date"),
    ("[inspect]\nrates = {A = 0.1, B = 0.2, C = 0.3, D = 1.5}\n", "[inspect] rates.D"),
    ("[inspect]\nrisk_floor = 0.0\n", "[inspect] risk_floor"),
    ("[inspect]\nmissing_tier = \"E\"\n", "[inspect] missing_tier"),
    ("[tiers]\nshares = [0.5, 0.5, 0.5, 0.5]\n", "[tiers] shares"),
    ("[tiers]\ncutoffs = [0.3, 0.2, 0.1]\n", "[tiers] cutoffs"),
    ("[credit]\nfolds = 1\n", "[credit] folds"),
    ("[credit]\nwindows = [90, -1]\n", "[credit] windows"),
    ("[lists]\nred_tiers = [\"Z\"]\n", "[lists] red_tiers"),
    ("[flags]\nenabled = [\"A99\"]\n", "[flags] enabled"),
    ("[simulate]\ncartel_size = [5, 2]\n", "[simulate] cartel_size"),
    ("[simulate]\nschemes = {bribery = 1.0}\n", "[simulate] schemes"),
    ("[engine]\nname = \"spark\"\n", "[engine] name"),
    ("[engine]\nname = \"dask\"\nmemory_per_worker = \"1KiB\"\n", "[engine] memory_per_worker"),
    ("[report]\nlang = \"fr\"\n", "[report] lang"),
    ("[report]\ntop_tenders = 0\n", "[report] top_tenders"),
    ("[models]\nallowed_hosts = [\"https://x/*\"]\n", "[models] allowed_hosts"),
    ("[columns]\nbids = {\"投标人\" = 3}\n", "[columns] bids.投标人"),
])
def test_a_wrong_value_is_one_error_naming_the_file_and_key(tmp_path, text, named):
    with pytest.raises(SettingsError) as e:
        _load(tmp_path, text)
    msg = str(e.value)
    assert msg.startswith(f"{tmp_path / 's.toml'}: {named}") and "\n" not in msg, msg


def test_every_section_has_its_own_check_and_fixed_choices_are_literal():
    for f in dataclasses.fields(Settings):
        cls = getattr(Settings(), f.name).__class__
        if f.name != "screens":  # market (free text) and relative (a switch) need no more than their type
            assert "check" in cls.__dict__, f"[{f.name}] has no check()"
    hints = typing.get_type_hints(S.GraphsSettings)
    assert typing.get_args(hints["method"]) == ("leiden", "louvain")
    for cls, key in ((S.CollusionSettings, "calibration"), (S.CreditSettings, "calibration"), (S.TiersSettings, "method"),
                     (S.EngineSettings, "name"), (S.ReportSettings, "lang"), (S.ValidateSettings, "date_order"),
                     (S.InspectSettings, "missing_tier"), (S.GraphsSettings, "engine")):
        assert typing.get_origin(typing.get_type_hints(cls)[key]) is typing.Literal, (cls, key)


def test_a_folder_or_a_missing_file_as_settings_is_named(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(SettingsError, match="dir.toml: is a folder"):
        load_settings(tmp_path / "dir.toml")
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "none.toml")


def test_options_are_held_to_the_rules_of_the_key_they_override():
    with pytest.raises(SettingsError, match=r"memory_per_worker \(--memory-per-worker\) must be at least 256MiB"):
        override(Settings(), "engine", name="dask", memory_per_worker="1KiB")
    with pytest.raises(SettingsError, match=r"workers \(--workers\)"):
        override(Settings(), "engine", name="dask", workers=-1)
    s = override(Settings(), "engine", name="dask", workers=2, memory_per_worker="4GiB", scheduler=None)
    assert (s.engine.workers, s.engine.memory_per_worker) == (2, "4GiB")
    with pytest.raises(SettingsError, match="need --engine dask"):
        validate_section(EngineSettings(workers=2))


def test_sizes():
    assert parse_size("4GiB") == 4 * 1024 ** 3 and parse_size("300MiB") == 300 * 1024 ** 2
    assert parse_size("2 GB") == 2 * 10 ** 9 and parse_size("") is None
    for bad in ("lots", "4XB", "i4"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_a_bad_value_stops_any_command_that_reads_the_settings_with_exit_2(cli, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "bids.csv").write_text("tender_id,bidder_id,price\nT1,A,900\nT1,B,950\nT1,C,990\n")
    (tmp_path / "g.toml").write_text("[graphs]\nmethod = \"foo\"\n")
    for cmd in (["data", "validate", d], ["collusion", "screens", d, "--out", tmp_path / "s.csv"],
                ["graph", "groups", d, "--out", tmp_path / "g.csv"]):
        cli("--settings", tmp_path / "g.toml", *cmd, code=2, err="[graphs] method must be one of leiden, louvain")
    cli("--engine", "dask", "--workers", "1", "--memory-per-worker", "1KiB", "data", "validate", d, code=2,
        err="--memory-per-worker")
