"""experiments.specs: shipped specs load; a wrong section, key, type or task stops naming the file and the key."""
from __future__ import annotations

import pytest

from experiments.specs import FEATURE_SWITCHES, TASKS, find_spec, load_spec, shipped_specs
from features.core.errors import InputError


def test_shipped_specs_load_with_their_task_defaults():
    names = {p.stem for p in shipped_specs()}
    assert {"collusion", "credit"} <= names
    for task in TASKS:
        s = load_spec(task)  # a bare name finds the shipped spec
        assert s.task == task and s.path == find_spec(task) and set(s.features) == set(FEATURE_SWITCHES[task])
        p = s.as_params()
        assert p["task"] == task and p["spec"] == f"{task}.toml" and p["evaluate"]["folds"] == s.folds
    assert load_spec("credit").with_data("/x").data == "/x"


def test_a_spec_file_overrides_and_gate(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('[experiment]\nname = "m"\ntask = "collusion"\n[data]\npath = "d"\n[features]\nkind = "transfer"\n'
                 '[model]\nn_estimators = 7\n[evaluate]\nfolds = 3\n[gate]\nregister = "r"\nmin = 0.7\n', encoding="utf-8")
    s = load_spec(f)
    assert (s.name, s.data, s.folds, s.register, s.min) == ("m", "d", 3, "r", 0.7)
    assert s.features == {"graph": True, "flags": True, "kind": "transfer"} and s.model == {"n_estimators": 7}


@pytest.mark.parametrize("text, needle", [
    ('[experiment]\ntask = "weather"\n', "task must be one of collusion, credit"),
    ('[experiment]\ntask = "credit"\n[colour]\nx = 1\n', "unknown section [colour]"),
    ('[experiment]\ntask = "credit"\n[evaluate]\nfolds = "five"\n', "[evaluate] folds must be int"),
    ('[experiment]\ntask = "credit"\n[evaluate]\nfolds = true\n', "[evaluate] folds must be int"),
    ('[experiment]\ntask = "credit"\n[features]\ngraph = true\n', "unknown key 'graph' in [features] for task credit"),
    ('[experiment]\ntask = "collusion"\n[features]\nkind = "half"\n', "kind must be full or transfer"),
    ('[experiment]\ntask = "collusion"\n[features]\nflags = "yes"\n', "[features] flags must be true or false"),
    ('[experiment\n', "not valid TOML"),
])
def test_a_wrong_spec_names_the_file_and_key(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_spec(f)
    assert str(f) in str(e.value) and needle in str(e.value)


def test_an_unknown_spec_lists_the_shipped_ones():
    with pytest.raises(InputError, match="no such experiment spec .*collusion, credit"):
        find_spec("nonesuch")
