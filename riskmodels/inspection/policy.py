"""The inspection policy: the `[inspect]` settings section checked and resolved into rates per (department, tier)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from features.core.errors import SettingsError
from features.core.settings import InspectSettings, validate_section

TIERS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Policy:
    """A checked copy of `InspectSettings`. `rate(department, tier)` is the share of that stratum drawn per period."""

    rates: dict
    department_rates: dict
    a_only_if_triggered: bool
    min_days_between_visits: int
    coordinate_departments: bool
    inspectors_per_department: int
    min_inspectors: int
    default_capacity: int
    missing_tier: str
    trigger_column: str
    risk_column: str = "probability"
    risk_exponent: float = 6.0
    risk_floor: float = 0.05

    @classmethod
    def from_settings(cls, s: InspectSettings | dict | None = None) -> "Policy":
        """Check the settings (`InspectSettings.check`: rates in [0, 1] for every tier A-D, counts non-negative) and freeze them."""
        if s is None:
            s = InspectSettings()
        if isinstance(s, dict):
            known = {f.name for f in dataclasses.fields(InspectSettings)}
            unknown = sorted(set(s) - known)
            if unknown:
                raise SettingsError(f"[inspect]: unknown key '{unknown[0]}'")
            s = InspectSettings(**s)
        validate_section(s)  # the [inspect] checks live with the settings (features.core.settings.InspectSettings.check)
        rates = {str(k).upper(): v for k, v in s.rates.items()}
        dept = {str(d): {str(k).upper(): v for k, v in r.items()} for d, r in s.department_rates.items()}
        missing_tier = s.missing_tier.strip().upper()
        return cls(rates=rates, department_rates=dept, a_only_if_triggered=s.a_only_if_triggered,
                   min_days_between_visits=s.min_days_between_visits, coordinate_departments=s.coordinate_departments,
                   inspectors_per_department=s.inspectors_per_department, min_inspectors=s.min_inspectors,
                   default_capacity=s.default_capacity, missing_tier=missing_tier, trigger_column=s.trigger_column,
                   risk_column=s.risk_column, risk_exponent=float(s.risk_exponent), risk_floor=float(s.risk_floor))

    def rate(self, department: str, tier: str) -> float:
        return float(self.department_rates.get(department, {}).get(tier, self.rates[tier]))

    def to_dict(self) -> dict:
        """The policy as written into manifest.json (and read back by `from_settings`)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
