"""Fixtures of the graph tests: a planted world of markets, cartels and false leads, and the groups found in it."""
from tests.graphs.markets import found, world  # noqa: F401 - fixtures
