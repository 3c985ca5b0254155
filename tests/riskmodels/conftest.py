"""Fixtures shared by the credit and inspection tests: a simulated city with tiers, lists and plans (`city`)."""
from tests.riskmodels.regulator import city  # noqa: F401 - a fixture
from tests.riskmodels.simulation.world import sim_city, small_population  # noqa: F401 - fixtures
