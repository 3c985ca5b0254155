"""How likely a group's wins are by chance, so that a pattern is offered as evidence only when chance explains it badly.

In a decided tender where m of the n bidders belong to a group, the group wins by chance with probability m / n (every
bidder equally likely to win). Over the group's decided joint tenders the number of wins by chance is then a sum of
independent Bernoulli draws with those probabilities (a Poisson-binomial count). `wins_by_chance` gives its mean and the
probability of winning at least as often as the group did (the upper tail): exact by convolution up to `EXACT_UP_TO`
tenders, a normal approximation with continuity correction above.

`more_than_chance(won, p)` is the rule the evidence texts follow: the wins are offered as evidence only when they exceed
the mean AND the upper tail is at most `SIGNIFICANCE` (5%). "Won 15 of 18 (by chance about 16.7)" is below chance and
is never offered; neither is "won 6 of 10 (by chance about 5.1)", which chance gives often.
"""
from __future__ import annotations

import math

import numpy as np

SIGNIFICANCE = 0.05
EXACT_UP_TO = 3000


def wins_by_chance(p, won: float) -> tuple[float, float]:
    """(expected wins, probability of at least `won` wins) for independent tenders won by chance with probabilities
    `p` (each in 0-1)."""
    p = np.clip(np.asarray(p, dtype=float).ravel(), 0.0, 1.0)
    mean = float(p.sum())
    k = int(math.ceil(float(won) - 1e-9))
    if k <= 0:
        return mean, 1.0
    if k > len(p):
        return mean, 0.0
    if len(p) > EXACT_UP_TO:
        var = float((p * (1 - p)).sum())
        if var <= 0:
            return mean, float(mean >= k)
        return mean, 0.5 * math.erfc((k - 0.5 - mean) / math.sqrt(2 * var))
    dist = np.zeros(len(p) + 1)
    dist[0] = 1.0
    for i, q in enumerate(p, 1):  # distribution of the number of wins after i tenders
        dist[1:i + 1] = dist[1:i + 1] * (1 - q) + dist[:i] * q
        dist[0] *= 1 - q
    return mean, float(min(1.0, max(0.0, dist[k:].sum())))


def more_than_chance(won: float, p, significance: float = SIGNIFICANCE) -> tuple[bool, float, float]:
    """(offer the wins as evidence?, expected wins, chance of at least `won` wins): offered only when `won` is above
    the expected number and that tail is at most `significance`."""
    mean, tail = wins_by_chance(p, won)
    return bool(won > mean and tail <= significance), mean, tail


def chance_words(tail: float) -> str:
    """A probability as a reader takes it in: '0.4%', 'below 0.1%'."""
    return "below 0.1%" if tail < 0.001 else f"{tail:.1%}"
