"""Unified social credit code (GB 32100-2015) check character."""
import numpy as np
import pandas as pd
from features.io import uscc


def test_known_code_and_generated_codes_are_valid():
    assert uscc.is_valid("91350100M000100Y43")  # a published example code
    codes = uscc.generate(np.random.default_rng(0), 200)
    assert len(set(codes)) == 200 and all(uscc.is_valid(c) for c in codes)


def test_every_single_character_change_is_detected():
    code = uscc.generate(np.random.default_rng(1), 1)[0]
    for i in range(18):
        for c in uscc.ALPHABET:
            if c != code[i]:
                assert not uscc.is_valid(code[:i] + c + code[i + 1:])


def test_other_identifiers_are_not_checked():
    s = pd.Series(["T-001", "12345", None, "91350100M000100Y40", "91350100M000100Y43"])
    got = uscc.problems(s.fillna(""))
    assert got.isna().tolist() == [True, True, True, False, True]
