"""Fixtures of the inspection tests: a plan published once (`published_plan`) for the verification tests."""
from tests.hostile import published_plan  # noqa: F401 - a fixture
