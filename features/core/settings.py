"""Typed settings: one TOML file, one section per component, every key optional with a documented default.

A misspelt section or key, a value of the wrong type or a value out of its range is an error that names `[section] key`
(`SettingsError`, exit 2), raised when the settings are LOADED, whatever command runs: no command meets a bad value later.
Every section checks its own values (`check()`, run by `validate_section`); a key that takes one of a fixed set of values is
typed `Literal[...]` and checked against it. `default_settings_text()` renders the commented default file that
`riskmodels init` writes. Components read their own section (`settings.screens`, `settings.credit`, ...); a section is a
dataclass whose fields carry their documentation in `metadata["doc"]`.

To add a section: write a dataclass with `setting(default, doc)` fields and a `check()` below, and add a field of that
type to `Settings`. Command-line options that override a key go through `override()`, so they are checked the same way.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args, get_origin, get_type_hints

from features.core.errors import SettingsError

DEFAULT_FILE = "riskmodels.toml"


def setting(default: Any, doc: str):
    """A settings field with its default and the one-line documentation shown in the default file."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda d=default: json.loads(json.dumps(d)), metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


# ------------------------------------------------------------------------------------------- value checks (one per key)

TIERS = ("A", "B", "C", "D")
MIN_WORKER_MEMORY = 256 * 1024 ** 2  # a Dask worker process alone takes about 150 MiB; less cannot run a task


def _where(obj) -> str:
    return f"[{SECTIONS.get(type(obj), type(obj).__name__)}]"


def _bad(obj, key: str, must: str, value: Any = None) -> SettingsError:
    """The one error for a wrong value: `[section] key must ...; got value`."""
    value = getattr(obj, key.split(".")[0]) if value is None else value
    option = getattr(obj, "OPTIONS", {}).get(key)
    return SettingsError(f"{_where(obj)} {key}{f' ({option})' if option else ''} must {must}; got {value!r}")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _number(obj, key: str, lo=None, hi=None, *, above=None, below=None, value=None, integer: bool = False) -> None:
    """`[section] key` is a finite number with lo <= v <= hi, above < v < below (each bound optional)."""
    v = getattr(obj, key) if value is None else value
    kind = "a whole number" if integer else "a number"
    if not _is_number(v) or (integer and not isinstance(v, int)):
        raise _bad(obj, key, f"be {kind}", v)
    rng = [f">= {lo}" if lo is not None else "", f"> {above}" if above is not None else "",
           f"<= {hi}" if hi is not None else "", f"< {below}" if below is not None else ""]
    if ((lo is not None and v < lo) or (hi is not None and v > hi) or (above is not None and v <= above)
            or (below is not None and v >= below)):
        raise _bad(obj, key, f"be {kind} {' and '.join(x for x in rng if x)}", v)


def _share(obj, key: str, *, zero: bool = True, value=None) -> None:
    """A share: 0 (if `zero`) < v <= 1."""
    if zero:
        _number(obj, key, 0, 1, value=value)
    else:
        _number(obj, key, hi=1, above=0, value=value)


def _pair(obj, key: str, lo=None, hi=None, integer: bool = False) -> None:
    """`[low, high]` with low <= high, both within [lo, hi]."""
    v = getattr(obj, key)
    if (len(v) != 2 or not all(_is_number(x) and (not integer or isinstance(x, int)) for x in v) or v[0] > v[1]
            or (lo is not None and v[0] < lo) or (hi is not None and v[1] > hi)):
        bounds = f" within [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise _bad(obj, key, f"be [low, high] with low <= high{bounds}")


def _keys(obj, key: str, known) -> None:
    """A table whose keys are among `known`."""
    extra = sorted(str(k) for k in getattr(obj, key) if k not in known)
    if extra:
        raise SettingsError(f"{_where(obj)} {key}: unknown key {extra[0]!r} (known: {', '.join(map(str, known))})")


def _values(obj, key: str, check) -> None:
    """Each value of the table `key` passes `check(name, value)` (which raises)."""
    for k, v in getattr(obj, key).items():
        check(f"{key}.{k}", v)


def _text_list(obj, key: str) -> None:
    if not all(isinstance(x, str) for x in getattr(obj, key)):
        raise _bad(obj, key, "be a list of texts")


def _day(obj, key: str) -> date:
    try:
        return date.fromisoformat(getattr(obj, key))
    except ValueError:
        raise _bad(obj, key, "be a date YYYY-MM-DD") from None


def parse_size(text: str) -> int | None:
    """Bytes of a size such as "4GiB", "300MiB", "2 GB", "1.5e9"; None when empty; ValueError when unreadable."""
    text = str(text).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*([kKmMgGtT]?)(i?)([bB]?)", text)
    if not m or (m.group(3) and not m.group(2)):
        raise ValueError(text)
    power = " KMGT".index(m.group(2).upper() or " ")
    return int(float(m.group(1)) * (1024 if m.group(3) else 1000) ** power)


@dataclass
class ColumnsSettings:
    """Header mapping per table: `[columns.bids]` then `"投标人" = "bidder_id"` maps a user's header onto a canonical name."""

    tenders: dict = setting({}, "your header -> canonical column, for tenders")
    bids: dict = setting({}, "for bids, e.g. \"投标单位\" = \"bidder_id\", \"投标报价\" = \"price\"")
    bid_items: dict = setting({}, "for bid_items")
    enterprises: dict = setting({}, "for enterprises, e.g. \"统一社会信用代码\" = \"enterprise_id\"")
    shareholders: dict = setting({}, "for shareholders")
    credit_events: dict = setting({}, "for credit_events")
    inspections: dict = setting({}, "for inspections")
    inspectors: dict = setting({}, "for inspectors")
    roster: dict = setting({}, "for roster")
    credit_labels: dict = setting({}, "for credit_labels")

    def check(self) -> None:
        for f in dataclasses.fields(self):
            for k, v in getattr(self, f.name).items():
                if not isinstance(v, str) or not v.strip():
                    raise _bad(self, f"{f.name}.{k}", "be the canonical column name (a text)", v)


@dataclass
class ValidateSettings:
    """Row checks applied when a dataset is loaded."""

    min_date: str = setting("1980-01-01", "dates before this are out of range (the row is rejected if the date is required)")
    max_date: str = setting("2100-12-31", "dates after this are out of range")
    placeholder_amounts: list = setting([99999999, 999999999], "amounts that mean 'unknown' in platform exports; read as missing")
    check_credit_codes: bool = setting(True, "reject ids of the 18-character form whose GB 32100 check character is wrong")
    reject_duplicates: bool = setting(True, "reject a row identical to an earlier row of the same file")
    timezone: str = setting("Asia/Shanghai", "time zone of dates written without an offset; a date with an offset (2023-06-01T10:00+08:00, ...Z) is converted to it (docs/data-contract.md)")
    date_order: Literal["", "dmy", "mdy"] = setting("", "how to read a slashed date with the year last whose day and month are both 12 or less (01/02/2023): \"dmy\", \"mdy\" or \"\" (reject the row as ambiguous)")
    max_field_bytes: int = setting(131072, "a field longer than this many bytes makes its row a rejected row (the file is still read)")

    def check(self) -> None:
        if _day(self, "min_date") > _day(self, "max_date"):
            raise _bad(self, "min_date", f"not be after max_date ({self.max_date})")
        if not all(_is_number(x) for x in self.placeholder_amounts):
            raise _bad(self, "placeholder_amounts", "be a list of numbers")
        _number(self, "max_field_bytes", 64, integer=True)
        import pandas as pd

        try:
            pd.Timestamp("2000-01-01", tz=self.timezone or "Asia/Shanghai")
        except Exception:  # noqa: BLE001 - pandas raises several kinds for an unknown zone
            raise _bad(self, "timezone", "be a time zone such as \"Asia/Shanghai\" or \"UTC\"") from None


@dataclass
class InspectSettings:
    """Inspection planning policy (riskmodels inspect plan; docs/inspection.md). Rates are shares of a (department, tier) stratum drawn per period."""

    rates: dict = setting({"A": 0.01, "B": 0.02, "C": 0.10, "D": 0.30},
                          "sampling rate per credit tier per department per period (default: Henan 2021 differentiated rates 1%/2%/10%/30%)")
    department_rates: dict = setting({}, "per-department overrides, e.g. {\"消防\" = {A = 0.0, D = 0.5}}; missing tiers fall back to rates")
    a_only_if_triggered: bool = setting(False, "tier A firms are never drawn at random, only visited when a trigger names them")
    min_days_between_visits: int = setting(90, "a firm visited fewer than this many days before the period starts is not drawn (triggers still apply)")
    coordinate_departments: bool = setting(True, "departments share one random order of firms, so their draws overlap and merge into joint visits")
    inspectors_per_department: int = setting(1, "inspectors each visiting department sends to a visit")
    min_inspectors: int = setting(2, "minimum inspectors per visit; departments of the visit send more to reach it")
    default_capacity: int = setting(0, "visits per period for an inspector whose capacity is blank or absent (0 = unlimited)")
    missing_tier: Literal["A", "B", "C", "D", ""] = setting("B", "tier of a roster firm absent from the tiers file (\"\" = leave it out and report it)")
    risk_column: str = setting("probability", "column of the tiers file whose risk score weighs firms within a (department, tier) stratum (\"\" = all alike)")
    risk_exponent: float = setting(6.0, "within a stratum, the chance of a draw grows with risk ** this (0 = every firm alike)")
    risk_floor: float = setting(0.05, "share of each stratum's draws spread evenly over its firms, so every eligible firm keeps a chance above zero")
    trigger_column: str = setting("trigger", "column of the tiers file (or triggers file) whose non-empty, non-0/false value forces a visit")
    department_labels: dict = setting({"market_regulation": {"en": "Market regulation", "zh": "市场监管"},
                                       "tax": {"en": "Taxation", "zh": "税务"},
                                       "fire_rescue": {"en": "Fire and rescue", "zh": "消防救援"},
                                       "emergency_management": {"en": "Emergency management", "zh": "应急管理"},
                                       "ecology_environment": {"en": "Ecology and environment", "zh": "生态环境"},
                                       "housing_construction": {"en": "Housing and construction", "zh": "住房和建设"}},
                                      "how plans, notices and reports name each department: {id = {en = \"...\", zh = \"...\"}} (absent: the id)")

    def check(self) -> None:
        rates = {str(k).upper(): v for k, v in self.rates.items()}
        for t in TIERS:
            if t not in rates:
                raise _bad(self, "rates", f"give a rate for every tier A, B, C, D (tier {t} has none)")
        _keys(self, "rates", TIERS + tuple(t.lower() for t in TIERS))
        _values(self, "rates", lambda k, v: _share(self, k, value=v))
        for d, r in self.department_rates.items():
            if not isinstance(r, dict):
                raise _bad(self, f"department_rates.{d}", "be a table of tier = rate", r)
            bad = [str(t) for t in r if str(t).upper() not in TIERS]
            if bad:
                raise SettingsError(f"{_where(self)} department_rates.{d}: unknown tier {bad[0]!r} (tiers are A, B, C, D)")
            for t, v in r.items():
                _share(self, f"department_rates.{d}.{t}", value=v)
        _number(self, "min_days_between_visits", 0, integer=True)
        _number(self, "inspectors_per_department", 1, integer=True)
        _number(self, "min_inspectors", 0, integer=True)
        _number(self, "default_capacity", 0, integer=True)
        _number(self, "risk_exponent", 0, 10)
        _share(self, "risk_floor", zero=False)
        for d, names in self.department_labels.items():
            if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
                raise _bad(self, f"department_labels.{d}", "be a table {en = \"...\", zh = \"...\"}", names)


@dataclass
class ListsSettings:
    """Red and black lists (riskmodels credit lists; docs/credit.md): documented rules over tiers, credit events, inspections
    and manual decisions. A firm on both is on the black list only."""

    black_event_types: list = setting(["serious_illegal_dishonest_list", "dishonest_judgment_debtor"],
                                      "black: an event of one of these types in the last black_days days")
    black_days: int = setting(1095, "look-back of the black-list rules, in days before the as-of date")
    black_tier_d_penalties: int = setting(3, "black: tier D and at least this many administrative penalties in black_days (0 = off)")
    red_tiers: list = setting(["A"], "red: only firms of these tiers")
    red_clean_days: int = setting(1095, "red: no negative credit event and no failed inspection in this many days")
    red_needs_commendation_or_tax_a: bool = setting(True, "red: also a commendation or a tax credit grade A in red_clean_days")
    red_active_only: bool = setting(True, "red: only firms whose registry status is active (or unknown)")

    def check(self) -> None:
        _text_list(self, "black_event_types")
        _number(self, "black_days", 1, integer=True)
        _number(self, "black_tier_d_penalties", 0, integer=True)
        if not all(t in TIERS for t in self.red_tiers):
            raise _bad(self, "red_tiers", "be a list of tiers among A, B, C, D")
        _number(self, "red_clean_days", 1, integer=True)


@dataclass
class GraphsSettings:
    """Bidder graphs and suspicious groups (riskmodels graph ...; graphs/)."""

    engine: Literal["auto", "igraph", "networkx"] = setting("auto", "community detection engine: auto (igraph if installed), igraph or networkx")
    method: Literal["leiden", "louvain"] = setting("leiden", "leiden or louvain (networkx engine: louvain)")
    resolution: float = setting(1.0, "modularity resolution; higher gives smaller communities")
    seed: int = setting(0, "random seed of community detection")
    max_group_size: int = setting(8, "communities larger than this are split again inside (markets hide small groups)")
    min_group_size: int = setting(2, "smallest group reported")
    trim: float = setting(0.5, "a member whose mean tie to the group is below this share of the median member's leaves it (0 = off)")
    min_cobids: int = setting(2, "pairs that met in fewer tenders get no co-bidding edge (one meeting says little)")
    max_firms_per_value: int = setting(50, "an address, phone, agent or other value shared by more firms than this is ignored")
    min_share: float = setting(0.0, "smallest effective share (product along a chain of holdings) that ties two firms")
    relation_weight: float = setting(1.0, "weight of registry and metadata relations against co-bidding behaviour in the combined graph")
    relation_weights: dict = setting({"legal_rep": 1.0, "shareholder": 1.0, "address": 0.5, "building": 0.25, "phone": 0.7, "device_id": 1.0,
                                      "file_creator": 1.0, "ca_serial": 1.0, "deposit_account": 1.0,
                                      "project_manager_id": 1.0, "agent_id": 0.4, "ip": 0.7, "mac": 1.0},
                                     "weight of each relation (specificity 1/(firms sharing the value - 1) is applied on top)")

    def check(self) -> None:
        if self.engine == "igraph":
            import importlib.util

            if importlib.util.find_spec("igraph") is None:
                raise _bad(self, "engine", "be auto or networkx here: igraph needs python-igraph, which is not installed")
        _number(self, "resolution", above=0)
        _number(self, "seed", 0, integer=True)
        _number(self, "min_group_size", 2, integer=True)
        _number(self, "max_group_size", self.min_group_size, integer=True)
        _number(self, "trim", 0, below=1)
        _number(self, "min_cobids", 1, integer=True)
        _number(self, "max_firms_per_value", 2, integer=True)
        _share(self, "min_share")
        _number(self, "relation_weight", 0)
        _values(self, "relation_weights", lambda k, v: _number(self, k, 0, value=v))


@dataclass
class SimulateSettings:
    """The synthetic city (riskmodels data simulate; docs/simulation.md). Sizes come from --scale; these shape the generative model."""

    start_date: str = setting("2022-01-01", "first day of the simulated history (credit events, inspections)")
    history_years: int = setting(4, "years of credit and inspection history")
    tender_years: int = setting(3, "years of tenders (the last years of the history)")
    enterprises: int = setting(0, "number of enterprises (0 = the scale's default: tiny 2,000, city 77,500, province 775,000)")
    tenders: int = setting(0, "number of tenders (0 = the scale's default: tiny 1,000, city 18,000, province 180,000)")
    cartels: int = setting(0, "number of planted cartels (0 = the scale's default: tiny 12, city 120, province 1,200)")
    mean_bidders: float = setting(11.0, "mean number of bids in an open tender (invited and negotiated procedures have 3-5)")
    local_share: float = setting(0.6, "share of an honest tender's bidders drawn from the tender's own region (the rest: same category, any region)")
    honest_markup: list = setting([0.03, 0.12], "range of an honest bidder's markup over its cost")
    cost_sd: float = setting(0.05, "spread (log sd) of bidders' costs within one tender")
    tight_market_share: float = setting(0.12, "share of markets (category x region) with few bidders and tight honest prices (a false lead)")
    cartel_size: list = setting([3, 8], "smallest and largest cartel")
    cartel_tenders: list = setting([8, 20], "fewest and most tenders a cartel rigs over the tender years")
    schemes: dict = setting({"cover_bidding": 0.3, "bid_rotation": 0.25, "bid_suppression": 0.15, "accompanying_bidding": 0.15,
                             "fixed_coefficient": 0.15}, "weights of the collusion schemes")
    winner_price: list = setting([0.86, 0.97], "range of a cartel's usual winning price as a share of the reserve price (each cartel draws its own; +-1.5% per tender)")
    cover_margin: list = setting([0.005, 0.08], "cover bids lie this far above the designated winner (each cartel draws its own upper end within the range)")
    outsider_prob: float = setting(0.3, "chance that an honest outsider also bids in a rigged tender")
    traces: dict = setting({"device": 0.45, "file": 0.4, "ca_serial": 0.15, "deposit_account": 0.2, "project_manager": 0.25,
                            "agent": 0.15, "bill_copy": 0.45, "registry": 0.6},
                           "chance that a cartel leaves each kind of trace (shared device, file, CA key, deposit account, project manager, agent, copied bill, registry ties)")
    trace_share: list = setting([0.2, 0.6], "range of the share of a cartel's cover bids that carry its traces")
    office_cluster_share: float = setting(0.06, "share of firms registered in shared office buildings (honest false leads)")
    agent_share: float = setting(0.25, "share of honest bidders that use a bid agent (honest false leads: one agent, many clients)")
    cartel_risk_shift: float = setting(0.8, "how much riskier (in latent sd) cartel members are")
    violation_logit: list = setting([-3.0, 2.0], "violation_prob = sigmoid(a + b * latent_risk): [a, b]")
    event_rates: dict = setting({"administrative_penalty": 1.45, "abnormal_operation_list": 0.06, "serious_illegal_dishonest_list": 0.006,
                                 "dishonest_judgment_debtor": 0.012, "commendation": 0.2, "court_judgment": 2.1, "loan_default": 0.012},
                                "credit events per firm-year at latent risk 0 (tax grades: one per firm-year)")
    event_slopes: dict = setting({"administrative_penalty": 1.0, "abnormal_operation_list": 1.2, "serious_illegal_dishonest_list": 1.5,
                                  "dishonest_judgment_debtor": 1.4, "commendation": -0.8, "court_judgment": 0.5, "loan_default": 1.3},
                                 "log-rate change per sd of latent risk, per event type")
    inspections_per_year: float = setting(2.35, "inspection and enforcement records per firm-year at latent risk 0")
    disqualified_share: float = setting(0.04, "share of honest bids disqualified (cover bids: twice as often)")
    withdrawn_share: float = setting(0.01, "share of bids withdrawn")

    def check(self) -> None:
        defaults = SimulateSettings()
        _day(self, "start_date")
        _number(self, "history_years", 2, 50, integer=True)
        _number(self, "tender_years", 1, self.history_years, integer=True)
        if self.enterprises:
            _number(self, "enterprises", 200, integer=True)
        _number(self, "enterprises", 0, integer=True)
        _number(self, "tenders", 0, integer=True)
        _number(self, "cartels", 0, integer=True)
        _number(self, "mean_bidders", 2, 200)
        for k in ("local_share", "tight_market_share", "outsider_prob", "office_cluster_share", "agent_share",
                  "disqualified_share", "withdrawn_share"):
            _share(self, k)
        _number(self, "cost_sd", 0, 2)
        _number(self, "cartel_risk_shift", -10, 10)
        _number(self, "inspections_per_year", 0, 1000)
        _pair(self, "honest_markup", 0.0)
        _pair(self, "cartel_size", 2, integer=True)
        _pair(self, "cartel_tenders", 1, integer=True)
        _pair(self, "winner_price", 0.0, 1.0)
        _pair(self, "cover_margin", 0.0)
        _pair(self, "trace_share", 0.0, 1.0)
        if len(self.violation_logit) != 2 or not all(_is_number(x) for x in self.violation_logit):
            raise _bad(self, "violation_logit", "be [a, b] (two numbers)")
        for key in ("schemes", "traces", "event_rates", "event_slopes"):
            _keys(self, key, tuple(getattr(defaults, key)))
        _values(self, "schemes", lambda k, v: _number(self, k, 0, value=v))
        if not any(v > 0 for v in self.schemes.values()):
            raise _bad(self, "schemes", "give at least one scheme a positive weight")
        _values(self, "traces", lambda k, v: _share(self, k, value=v))
        _values(self, "event_rates", lambda k, v: _number(self, k, 0, 1000, value=v))
        _values(self, "event_slopes", lambda k, v: _number(self, k, -10, 10, value=v))


@dataclass
class FlagsSettings:
    """Rule-based red flags on a dataset (riskmodels collusion flags; docs/indicators.md): legal-article flags and OCP catalogue codes."""

    enabled: list = setting(["A34", "A40.1", "A40.2", "A40.3", "A40.4", "A40.6", "A39", "R022", "R023", "R029", "R034", "R053", "R057"],
                            "flags to compute: legal articles (A34, A40.1-A40.6, A39), OCP codes on canonical bids (R022 ... R057); Cardinal's R003 ... R058 may be added")
    control_share: float = setting(0.5, "Article 34: a shareholding at least this large (0-1) is a controlling relation")
    generic_bidders: int = setting(10, "Article 40(1): an IP, device, MAC, file author or CA serial shared by at least this many bidders in the dataset is generic (an office network, a default author name), not evidence")
    generic_values: list = setting(["Administrator", "admin", "User", "user", "Windows 用户", "Windows User", "微软用户", "用户", "lenovo", "HP", "Microsoft"],
                                   "file authors that programs fill in by default; never evidence")
    identical_items: int = setting(3, "Article 40(4): shared bill items priced identically that make two bills abnormally identical")
    indicators: dict = setting({}, "settings of the R0NN codes, as in the OCDS INI sections, e.g. {R053 = {threshold = 0.6}}")

    def check(self) -> None:
        from features.evidence.indicators import REGISTRY
        from features.evidence.legal import LEGAL

        _text_list(self, "enabled")
        unknown = [c for c in self.enabled if c not in LEGAL and c not in REGISTRY]
        if unknown:
            raise SettingsError(f"{_where(self)} enabled: unknown flag(s) {', '.join(unknown)} "
                                f"(known: {', '.join(list(LEGAL) + list(REGISTRY))})")
        _keys(self, "indicators", tuple(REGISTRY))
        _share(self, "control_share", zero=False)
        _number(self, "generic_bidders", 2, integer=True)
        _text_list(self, "generic_values")
        _number(self, "identical_items", 1, integer=True)


@dataclass
class ScreensSettings:
    """Tender screens (riskmodels collusion screens; features/evidence/screens.py)."""

    market: str = setting("", "tenders column that defines a market for the market-relative screens; empty: region x category (those present)")
    relative: bool = setting(True, "add market-relative screens (<screen>_rank, <screen>_dm within market and year) when the tenders table exists")


@dataclass
class PairsSettings:
    """Pairwise bid evidence (riskmodels collusion pairs; features/evidence/pairs.py)."""

    valid_only: bool = setting(False, "pair only valid bids (default: every bid; a disqualified cover bid sharing a device is evidence)")
    odd_ratio: float = setting(1.5, "an identical unit price is odd when it is more than this factor away from the other bids' quotes of the item")
    total_rtol: float = setting(1e-4, "a bid total is wrong when it differs from its itemised sum by more than this share of the price")
    progression_rtol: float = setting(1e-3, "adjacent bid gaps (or ratios) are equal within this relative tolerance (progression detection)")
    min_co_bids: int = setting(1, "bidder pairs written by 'collusion pairs' met in at least this many tenders")

    def check(self) -> None:
        _number(self, "odd_ratio", above=1)
        _number(self, "total_rtol", 0, below=1)
        _number(self, "progression_rtol", 0, below=1)
        _number(self, "min_co_bids", 1, integer=True)


@dataclass
class CreditSettings:
    """Enterprise credit model (riskmodels credit train / tier / evaluate; riskmodels/credit/)."""

    windows: list = setting([90, 365, 1095], "look-back windows in days for counts of credit events, inspections and bids")
    list_days: int = setting(1095, "a firm counts as on the serious-dishonesty / abnormal-operation list this many days after an entry")
    learning_rate: float = setting(0.05, "LightGBM learning rate of the candidate parameter sets that set none (the second default candidate uses 0.1)")
    max_rounds: int = setting(1000, "upper bound on boosting rounds (the rounds used are chosen by inner cross-validation)")
    inner_folds: int = setting(5, "inner folds: choice of rounds and parameters, bagging, and calibration on held-out rows")
    calibration: Literal["sigmoid", "isotonic", "none"] = setting("sigmoid", "probability calibration over the frozen boosters: sigmoid, isotonic or none")
    monotone: bool = setting(True, "constrain features whose direction is known (more penalties never lowers risk)")
    folds: int = setting(5, "cross-validation folds of 'credit evaluate' and of the metrics logged by 'credit train'")
    seed: int = setting(0, "seed of folds and boosters")
    top_reasons: int = setting(3, "reasons given per enterprise")
    threads: int = setting(1, "LightGBM threads (1: on a shared 2-core machine two threads ran 8x slower)")
    max_train_rows: int = setting(60000, "train 'credit train' on at most this many labelled rows (whole firms drawn at random); 0 = all")

    def check(self) -> None:
        if not self.windows or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in self.windows):
            raise _bad(self, "windows", "be a list of whole numbers of days, each at least 1")
        _number(self, "list_days", 1, integer=True)
        _number(self, "learning_rate", hi=1, above=0)
        _number(self, "max_rounds", 1, integer=True)
        _number(self, "inner_folds", 2, integer=True)
        _number(self, "folds", 2, integer=True)
        _number(self, "seed", 0, integer=True)
        _number(self, "top_reasons", 0, integer=True)
        _number(self, "threads", 1, integer=True)
        _number(self, "max_train_rows", 0, integer=True)


@dataclass
class TiersSettings:
    """Credit tiers A (low risk) .. D (high risk): cut-offs, overrides, damping (riskmodels/credit/tiers.py)."""

    method: Literal["shares", "probability"] = setting("shares", "\"shares\": cut-offs give each tier its target share; \"probability\": fixed probability cut-offs")
    shares: list = setting([0.3, 0.45, 0.17, 0.08], "target shares of A, B, C, D (method = shares), before overrides")
    cutoffs: list = setting([0.05, 0.15, 0.35], "upper probability bounds of A, B, C (method = probability)")
    damping: float = setting(0.02, "keep the previous tier when the probability is within this margin of the crossed cut-off")
    serious_to_d: bool = setting(True, "override: a firm on the serious illegal and dishonest list is D")
    abnormal_at_least_c: bool = setting(True, "override: a firm on the abnormal operation list is at least C")
    no_history_b: bool = setting(True, "override: a firm with no credit or inspection history is B")

    def check(self) -> None:
        if len(self.shares) != 4 or not all(_is_number(x) and x >= 0 for x in self.shares) or abs(sum(self.shares) - 1) > 1e-6:
            raise _bad(self, "shares", "be four shares of A, B, C, D (each >= 0) that add up to 1")
        c = self.cutoffs
        if len(c) != 3 or not all(_is_number(x) for x in c) or not 0 <= c[0] <= c[1] <= c[2] <= 1:
            raise _bad(self, "cutoffs", "be three increasing probabilities from 0 to 1 (upper bounds of A, B, C)")
        _number(self, "damping", 0, 1)


@dataclass
class CollusionSettings:
    """Collusion models (riskmodels collusion evaluate/train/score; docs/evaluation.md)."""

    n_estimators: int = setting(300, "LightGBM trees of the tender model")
    learning_rate: float = setting(0.03, "LightGBM learning rate")
    num_leaves: int = setting(15, "LightGBM leaves per tree")
    min_child_samples: int = setting(10, "LightGBM minimum tenders per leaf")
    calibration: Literal["sigmoid", "isotonic", "none"] = setting("sigmoid", "probability calibration on cross-fitted scores: sigmoid, isotonic or none")
    threshold: float = setting(0.5, "calibrated probability at which a tender is flagged")
    reasons: int = setting(3, "reasons given per tender")
    flag_share: float = setting(0.1, "without a model: share of the market the composite score flags (the top of the ranking)")
    transfer_flag_share: float = setting(0.05, "with a model, on a market it was not trained on: share of that market flagged (the top of its ranking; a probability threshold would carry the training markets' collusion rates)")

    def check(self) -> None:
        _number(self, "n_estimators", 1, integer=True)
        _number(self, "learning_rate", hi=1, above=0)
        _number(self, "num_leaves", 2, integer=True)
        _number(self, "min_child_samples", 1, integer=True)
        _number(self, "threshold", above=0, below=1)
        _number(self, "reasons", 0, integer=True)
        _share(self, "flag_share", zero=False)
        _share(self, "transfer_flag_share", zero=False)


@dataclass
class EngineSettings:
    """Where the work runs (docs/scale.md): pandas in this process, or Dask on a local cluster or a team's scheduler. The global options --engine, --scheduler, --workers, --memory-per-worker and the RISKMODELS_ENGINE variable override these keys."""

    name: Literal["pandas", "dask"] = setting("pandas", "\"pandas\": every stage in this process, as always; \"dask\": partitions of the data run on Dask workers")
    scheduler: str = setting("", "address of a running Dask scheduler (tcp://host:8786); empty: start a local cluster of worker processes")
    workers: int = setting(0, "worker processes of the local cluster (one thread each); 0: one per core")
    memory_per_worker: str = setting("", "memory limit of each local worker, e.g. \"4GiB\" (Dask spills to disk above part of it); empty: the machine's memory shared out")
    partitions: int = setting(0, "partitions of a table that is split in memory (by a hash of tender_id or enterprise_id); 0: two per worker, more for big tables")
    block_rows: int = setting(250000, "at most about this many rows per partition when a table is split in memory")

    OPTIONS: ClassVar[dict] = {"name": "--engine, RISKMODELS_ENGINE", "scheduler": "--scheduler", "workers": "--workers",
                               "memory_per_worker": "--memory-per-worker"}

    def check(self) -> None:
        _number(self, "workers", 0, 1024, integer=True)
        _number(self, "partitions", 0, integer=True)
        _number(self, "block_rows", 1, integer=True)
        if self.scheduler and not re.fullmatch(r"[a-z0-9+]+://\S+|[^\s/:]+:\d+", self.scheduler):
            raise _bad(self, "scheduler", "be the address of a Dask scheduler such as tcp://host:8786")
        try:
            size = parse_size(self.memory_per_worker)
        except ValueError:
            raise _bad(self, "memory_per_worker", "be a size such as 4GiB or 300MiB") from None
        if size is not None and size < MIN_WORKER_MEMORY:
            raise _bad(self, "memory_per_worker", "be at least 256MiB (a Dask worker process alone takes about 150 MiB)")
        if self.name == "pandas" and (self.scheduler or self.workers or self.memory_per_worker):
            raise SettingsError("[engine] scheduler, workers and memory_per_worker (--scheduler, --workers and "
                                "--memory-per-worker) need --engine dask ([engine] name = \"dask\")")
        if self.scheduler and (self.workers or self.memory_per_worker):
            raise SettingsError("[engine] workers and memory_per_worker (--workers and --memory-per-worker) size a local "
                                "cluster; a --scheduler's workers are sized where they are started (dask worker --memory-limit ...)")


@dataclass
class ModelsSettings:
    """Where models may be loaded from (--model). A model is code (a pickle): by default only a local path or a runs:/ or models:/ URI of the configured tracking store."""

    allowed_hosts: list = setting([], "hosts (e.g. \"mlflow.internal\") whose http(s)/s3/... model URIs may be loaded; empty = none, any other scheme is refused")

    def check(self) -> None:
        _text_list(self, "allowed_hosts")
        bad = [h for h in self.allowed_hosts if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", h)]
        if bad:
            raise _bad(self, "allowed_hosts", "list host names only (no scheme, path or wildcard)", bad[0])


@dataclass
class CasesSettings:
    """The investigator's loop (riskmodels cases ...; docs/cases.md): where verdicts and warnings are kept."""

    store: str = setting("", "case store: a SQLite file path or a postgresql:// URL shared by a team; empty: ~/.riskmodels/cases.db (the --store option overrides it)")
    warn_share: float = setting(0.05, "cases warn: share of the new tenders warned by score (the top of their ranking against the kept history)")

    def check(self) -> None:
        _share(self, "warn_share", zero=False)
        if self.store and "://" in self.store and not self.store.startswith(("postgresql", "postgres://", "sqlite")):
            raise _bad(self, "store", "be a SQLite file path or a postgresql:// URL")


@dataclass
class ReportSettings:
    """HTML reports (riskmodels collusion report): how many cases get pages, and the language of the labels."""

    top_tenders: int = setting(50, "tenders listed on the case file's index, each with its page")
    top_groups: int = setting(20, "bidder groups listed on the index, each with its page (and their joint tenders' pages)")
    lang: Literal["en", "zh"] = setting("en", "language of the report's labels: en or zh (the command's --lang overrides it)")

    def check(self) -> None:
        _number(self, "top_tenders", 1, integer=True)
        _number(self, "top_groups", 1, integer=True)


@dataclass
class Settings:
    """All settings. Each attribute is one TOML section."""

    columns: ColumnsSettings = field(default_factory=ColumnsSettings)
    validate: ValidateSettings = field(default_factory=ValidateSettings)
    inspect: InspectSettings = field(default_factory=InspectSettings)
    lists: ListsSettings = field(default_factory=ListsSettings)
    graphs: GraphsSettings = field(default_factory=GraphsSettings)
    simulate: SimulateSettings = field(default_factory=SimulateSettings)
    flags: FlagsSettings = field(default_factory=FlagsSettings)
    screens: ScreensSettings = field(default_factory=ScreensSettings)
    pairs: PairsSettings = field(default_factory=PairsSettings)
    credit: CreditSettings = field(default_factory=CreditSettings)
    tiers: TiersSettings = field(default_factory=TiersSettings)
    collusion: CollusionSettings = field(default_factory=CollusionSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    models: ModelsSettings = field(default_factory=ModelsSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    cases: CasesSettings = field(default_factory=CasesSettings)


SECTIONS = {f.type if isinstance(f.type, type) else globals()[f.type]: f.name for f in dataclasses.fields(Settings)}


def _type_ok(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return default is None or True


def validate_section(obj) -> None:
    """Check every value of one section: its type (a `Literal` key: one of its values), then the section's own
    `check()` (ranges, shapes, known names). SettingsError naming `[section] key` on the first wrong value."""
    hints = get_type_hints(type(obj))
    defaults = type(obj)()
    for f in dataclasses.fields(obj):
        value, hint = getattr(obj, f.name), hints.get(f.name)
        if get_origin(hint) is Literal:
            choices = get_args(hint)
            if value not in choices:
                shown = ", ".join(json.dumps(c) if c == "" else str(c) for c in choices)
                raise _bad(obj, f.name, f"be one of {shown}", value)
        elif not _type_ok(getattr(defaults, f.name), value):
            raise _bad(obj, f.name, f"be {type(getattr(defaults, f.name)).__name__}", value)
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad(obj, f.name, "be a finite number", value)
    check = getattr(obj, "check", None)
    if check is not None:
        check()


def validate(settings: Settings) -> Settings:
    """Check every section of `settings` (see `validate_section`); returns them."""
    for f in dataclasses.fields(Settings):
        validate_section(getattr(settings, f.name))
    return settings


def override(settings: Settings, section: str, **values) -> Settings:
    """Set keys of one section from command-line options (None: not given) and check the section again, so an option
    is held to the same rules as the key it overrides."""
    sec = getattr(settings, section)
    for key, value in values.items():
        if value is not None:
            setattr(sec, key, value)
    validate_section(sec)
    return settings


def _fill(cls, data: dict, where: str, origin: str):
    obj = cls()
    names = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in names:
            known = ", ".join(sorted(names))
            raise SettingsError(f"{origin}: unknown key '{key}' in [{where}] (known: {known})")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise SettingsError(f"{origin}: [{where}.{key}] must be a table; got {value!r}")
            value = _fill(type(current), value, f"{where}.{key}", origin)
        elif not _type_ok(current, value):
            raise SettingsError(
                f"{origin}: [{where}] {key} must be {type(current).__name__}; got {value!r}")
        setattr(obj, key, value)
    return obj


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from `path`; with None, from `riskmodels.toml` in the working directory if it exists, else the defaults.
    Every value is checked here (`validate`): a wrong one is a SettingsError naming the file and `[section] key`."""
    if path is None:
        p = Path(DEFAULT_FILE)
        if not p.exists():
            return Settings()
    else:
        p = Path(path)
        if not p.exists():
            raise SettingsError(f"{p}: settings file not found")
    if not p.is_file():
        raise SettingsError(f"{p}: is {'a folder' if p.is_dir() else 'not a regular file'}; give a settings TOML file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SettingsError(f"{p}: not valid TOML ({e})") from None
    except OSError as e:
        raise SettingsError(f"{p}: cannot read the settings file ({e.strerror})") from None
    settings = Settings()
    sections = {f.name for f in dataclasses.fields(Settings)}
    for name, value in data.items():
        if name not in sections:
            raise SettingsError(f"{p}: unknown section [{name}] (known: {', '.join(sorted(sections))})")
        if not isinstance(value, dict):
            raise SettingsError(f"{p}: '{name}' must be a [section]; got {value!r}")
        setattr(settings, name, _fill(type(getattr(settings, name)), value, name, str(p)))
    try:
        return validate(settings)
    except SettingsError as e:
        raise SettingsError(f"{p}: {e}") from None


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {v!r} as TOML")


def _render(obj, where: str, lines: list[str]) -> None:
    doc = (type(obj).__doc__ or "").strip().splitlines()
    lines.append("")
    lines += [f"# {d.strip()}" for d in doc if d.strip()]
    lines.append(f"[{where}]")
    nested = []
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v):
            nested.append((f.name, v))
            continue
        lines.append(f"# {f.metadata.get('doc', '')}")
        lines.append(f"{f.name} = {_toml_value(v)}")
    for name, v in nested:
        _render(v, f"{where}.{name}", lines)


def default_settings_text() -> str:
    """The commented default settings file: every section and key with its default and documentation."""
    lines = ["# riskmodels settings. Every key is optional; the value shown is the default.",
             "# A misspelt section or key is an error that names it."]
    for f in dataclasses.fields(Settings):
        _render(getattr(Settings(), f.name), f.name, lines)
    return "\n".join(lines).lstrip("\n") + "\n"
