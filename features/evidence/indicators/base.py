"""The one small interface every red flag implements, and the accumulator they share.

An indicator is a class with a `code`, a `Settings` dataclass (its settings section; the section's presence switches it
on) and up to three steps, as in Cardinal (`src/indicators/mod.rs`, trait `Calculate`):

- `fold(acc, process)`: look at one contracting process; write per-process results or add to a partial in `acc`;
- `combine(acc, other)`: merge the partial of another accumulator (a chunk of the same file) into `acc`;
- `finalize(acc)`: flags that need the whole dataset (quartiles, fences) turn partials into results and `Meta`.

Shared intermediate tables (the second-lowest-bid ratio, the canonical bids table) are `Shared` helpers: they fold like
indicators but publish nothing, and the engine runs each one once, before the indicators, when an enabled indicator
lists it in `needs`.

Results are `acc.results[group][id][code] = value` with the groups of Cardinal: OCID, Buyer, ProcuringEntity, Tenderer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from features.imports.ocds import Process

GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")


def option(kind: str, doc: str, default: Any = None):
    """A settings key of an indicator section. `kind`: int (natural number), float, str, pipe (a|b|c), table (subsection).

    The default None means "Cardinal's default" (or "compute the fence from the data" for thresholds)."""
    factory = dict if kind == "table" else None
    if factory is not None:
        return field(default_factory=factory, metadata={"kind": kind, "doc": doc})
    return field(default=default, metadata={"kind": kind, "doc": doc})


@dataclass
class NoSettings:
    """The indicator is not configurable."""


@dataclass
class GlobalConfig:
    """Settings that apply to every indicator (Cardinal's top-level keys and `[exclusions]`)."""

    currency: str | None = None
    no_price_comparison_procurement_methods: frozenset = frozenset()
    price_comparison_procurement_methods: frozenset = frozenset()
    excluded_procurement_method_details: frozenset = frozenset()

    def price_comparison_allowed(self, p: Process) -> bool:
        """Cardinal's `matches_procurement_method_details(release, include=price_comparison..., exclude=no_price...)`."""
        return matches_details(p, self.price_comparison_procurement_methods, self.no_price_comparison_procurement_methods)

    def included(self, p: Process) -> bool:
        """Not cancelled and not excluded by `[exclusions] procurement_method_details`."""
        return not p.cancelled and matches_details(p, frozenset(), self.excluded_procurement_method_details)


def matches_details(p: Process, include: frozenset, exclude: frozenset) -> bool:
    details = p.procurement_method_details
    if details is not None:
        return details not in exclude if not include else details in include
    return not include  # unset: matches only when using a deny list


def matches_method(p: Process, methods: frozenset) -> bool:
    """True when no methods are configured, else when /tender/procurementMethod is one of them."""
    return not methods or (p.procurement_method is not None and p.procurement_method in methods)


@dataclass
class Accumulator:
    """Results, Meta and the partial state of every indicator for one chunk of processes (or the whole file)."""

    config: GlobalConfig = field(default_factory=GlobalConfig)
    results: dict = field(default_factory=lambda: {g: {} for g in GROUPS})
    meta: dict = field(default_factory=dict)
    partial: dict = field(default_factory=dict)
    currency: str | None = None
    processes: int = 0

    def set(self, group: str, key: str, code: str, value: float) -> None:
        self.results[group].setdefault(key, {})[code] = float(value)

    def set_meta(self, code: str, key: str, value: float) -> None:
        self.meta.setdefault(code, {})[key] = value

    def main_currency(self, currency: str) -> str:
        """The currency amounts must be in: `currency` from the settings, else the first currency observed."""
        if self.currency is None:
            self.currency = self.config.currency if self.config.currency is not None else currency
        return self.currency

    def state(self, code: str, factory):
        if code not in self.partial:
            self.partial[code] = factory()
        return self.partial[code]


class Step:
    """Common shape of indicators and shared helpers."""

    code: ClassVar[str] = ""
    Settings: ClassVar[type] = NoSettings
    needs: ClassVar[tuple] = ()

    def __init__(self, settings=None, config: GlobalConfig | None = None):
        self.settings = settings if settings is not None else self.Settings()
        self.config = config if config is not None else GlobalConfig()

    def fold(self, acc: Accumulator, process: Process) -> None:
        """Per contracting process."""

    def combine(self, acc: Accumulator, other: Accumulator) -> None:
        """Merge `other`'s partial into `acc`."""

    def finalize(self, acc: Accumulator) -> None:
        """Whole-dataset step."""


class Shared(Step):
    """A shared intermediate computed once for every indicator that needs it; publishes no results."""


class Indicator(Step):
    """A red flag. Subclasses set `code`, `title`, `Settings` and implement the steps they need."""

    title: ClassVar[str] = ""
    cardinal: ClassVar[bool] = False  # one of Cardinal's eleven (vs. our 'beyond Cardinal' flags)
