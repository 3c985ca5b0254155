"""Fixtures of the credit tests: fast model settings, a small city, a fitted model."""
from tests.riskmodels.credit.credit_data import fitted  # noqa: F401 - fixtures
from tests.riskmodels.credit.credit_files import fast_settings, small_city  # noqa: F401
