"""The inspection policy: the `[inspect]` settings section checked and resolved into rates per (department, tier)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from features.core.errors import SettingsError
from features.core.settings import InspectSettings

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
        """Check the settings (rates in [0, 1] for every tier A-D, counts non-negative) and freeze them."""
        if s is None:
            s = InspectSettings()
        if isinstance(s, dict):
            known = {f.name for f in dataclasses.fields(InspectSettings)}
            unknown = sorted(set(s) - known)
            if unknown:
                raise SettingsError(f"[inspect]: unknown key '{unknown[0]}'")
            s = InspectSettings(**s)
        rates = {str(k).upper(): v for k, v in s.rates.items()}
        missing = [t for t in TIERS if t not in rates]
        if missing:
            raise SettingsError(f"[inspect] rates: no rate for tier {missing[0]}; got {s.rates!r}")
        extra = [t for t in rates if t not in TIERS]
        if extra:
            raise SettingsError(f"[inspect] rates: unknown tier '{extra[0]}' (tiers are A, B, C, D)")
        _check_rates(rates, "[inspect] rates")
        dept = {}
        for d, r in s.department_rates.items():
            if not isinstance(r, dict):
                raise SettingsError(f"[inspect] department_rates.{d} must be a table of tier = rate; got {r!r}")
            r = {str(k).upper(): v for k, v in r.items()}
            bad = [t for t in r if t not in TIERS]
            if bad:
                raise SettingsError(f"[inspect] department_rates.{d}: unknown tier '{bad[0]}' (tiers are A, B, C, D)")
            _check_rates(r, f"[inspect] department_rates.{d}")
            dept[str(d)] = r
        for name in ("min_days_between_visits", "inspectors_per_department", "min_inspectors", "default_capacity"):
            if getattr(s, name) < 0:
                raise SettingsError(f"[inspect] {name} must be >= 0; got {getattr(s, name)!r}")
        if s.inspectors_per_department < 1:
            raise SettingsError(f"[inspect] inspectors_per_department must be >= 1; got {s.inspectors_per_department!r}")
        if isinstance(s.risk_exponent, bool) or not isinstance(s.risk_exponent, (int, float)) or not 0 <= s.risk_exponent <= 10:
            raise SettingsError(f"[inspect] risk_exponent must be a number from 0 to 10; got {s.risk_exponent!r}")
        if isinstance(s.risk_floor, bool) or not isinstance(s.risk_floor, (int, float)) or not 0 < s.risk_floor <= 1:
            raise SettingsError(f"[inspect] risk_floor must lie in (0, 1] so every firm keeps a chance; got {s.risk_floor!r}")
        missing_tier = s.missing_tier.strip().upper()
        if missing_tier and missing_tier not in TIERS:
            raise SettingsError(f"[inspect] missing_tier must be A, B, C, D or \"\"; got {s.missing_tier!r}")
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


def _check_rates(rates: dict, where: str) -> None:
    for t, v in rates.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise SettingsError(f"{where}: rate of tier {t} must be a number in [0, 1]; got {v!r}")
