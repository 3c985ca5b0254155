"""Wins by chance (`graphs.chance`): the Poisson-binomial tail against brute force, and the rule for offering wins as
evidence (never below chance, never when chance gives as many often)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from graphs.chance import chance_words, more_than_chance, wins_by_chance


def _brute(p, k):
    total = 0.0
    for outcome in itertools.product((0, 1), repeat=len(p)):
        if sum(outcome) >= k:
            total += np.prod([q if o else 1 - q for q, o in zip(p, outcome)])
    return total


@pytest.mark.parametrize("k", [0, 1, 3, 5, 7, 8])
def test_tail_equals_brute_force(k):
    p = [0.1, 0.5, 0.33, 0.25, 0.9, 0.6, 0.2]
    mean, tail = wins_by_chance(p, k)
    assert mean == pytest.approx(sum(p)) and tail == pytest.approx(_brute(p, k), abs=1e-12)


def test_below_or_near_chance_is_not_evidence_and_a_rare_run_is():
    # 18 joint tenders where the members are most of the bidders: about 16.7 wins by chance, 15 is below it
    p = [16.7 / 18] * 18
    offered, mean, _ = more_than_chance(15, p)
    assert not offered and mean == pytest.approx(16.7)
    assert not more_than_chance(6, [0.51] * 10)[0]  # 6 of 10 where about 5.1 are expected: common by chance
    offered, mean, tail = more_than_chance(9, [0.25] * 10)  # 9 of 10 where 2.5 are expected
    assert offered and tail < 0.001 and chance_words(tail) == "below 0.1%"
    big = np.full(5000, 0.2)  # the normal approximation agrees with the mean's side
    assert more_than_chance(1100, big)[0] and not more_than_chance(1000, big)[0]
