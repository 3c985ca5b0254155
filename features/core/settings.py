"""Typed settings: one TOML file, one section per component, every key optional with a documented default.

A misspelt section or key is an error that names it (`SettingsError`, exit 2). `default_settings_text()` renders the commented
default file that `riskmodels init` writes. Components read their own section (`settings.screens`, `settings.credit`, ...);
a section is a dataclass whose fields carry their documentation in `metadata["doc"]`.

To add a section: write a dataclass with `setting(default, doc)` fields below and add a field of that type to `Settings`.
"""
from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from features.core.errors import SettingsError

DEFAULT_FILE = "riskmodels.toml"


def setting(default: Any, doc: str):
    """A settings field with its default and the one-line documentation shown in the default file."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda d=default: json.loads(json.dumps(d)), metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


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


@dataclass
class ValidateSettings:
    """Row checks applied when a dataset is loaded."""

    min_date: str = setting("1980-01-01", "dates before this are out of range (the row is rejected if the date is required)")
    max_date: str = setting("2100-12-31", "dates after this are out of range")
    placeholder_amounts: list = setting([99999999, 999999999], "amounts that mean 'unknown' in platform exports; read as missing")
    check_credit_codes: bool = setting(True, "reject ids of the 18-character form whose GB 32100 check character is wrong")
    reject_duplicates: bool = setting(True, "reject a row identical to an earlier row of the same file")
    timezone: str = setting("Asia/Shanghai", "time zone of dates written without an offset; a date with an offset (2023-06-01T10:00+08:00, ...Z) is converted to it (docs/data-contract.md)")
    date_order: str = setting("", "how to read a slashed date with the year last whose day and month are both 12 or less (01/02/2023): \"dmy\", \"mdy\" or \"\" (reject the row as ambiguous)")
    max_field_bytes: int = setting(131072, "a field longer than this many bytes makes its row a rejected row (the file is still read)")


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
    missing_tier: str = setting("B", "tier of a roster firm absent from the tiers file (\"\" = leave it out and report it)")
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


@dataclass
class GraphsSettings:
    """Bidder graphs and suspicious groups (riskmodels graph ...; graphs/)."""

    engine: str = setting("auto", "community detection engine: auto (igraph if installed), igraph or networkx")
    method: str = setting("leiden", "leiden or louvain (networkx engine: louvain)")
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


@dataclass
class CreditSettings:
    """Enterprise credit model (riskmodels credit train / tier / evaluate; riskmodels/credit/)."""

    windows: list = setting([90, 365, 1095], "look-back windows in days for counts of credit events, inspections and bids")
    list_days: int = setting(1095, "a firm counts as on the serious-dishonesty / abnormal-operation list this many days after an entry")
    learning_rate: float = setting(0.05, "LightGBM learning rate of the candidate parameter sets that set none (the second default candidate uses 0.1)")
    max_rounds: int = setting(1000, "upper bound on boosting rounds (the rounds used are chosen by inner cross-validation)")
    inner_folds: int = setting(5, "inner folds: choice of rounds and parameters, bagging, and calibration on held-out rows")
    calibration: str = setting("sigmoid", "probability calibration over the frozen boosters: sigmoid, isotonic or none")
    monotone: bool = setting(True, "constrain features whose direction is known (more penalties never lowers risk)")
    folds: int = setting(5, "cross-validation folds of 'credit evaluate' and of the metrics logged by 'credit train'")
    seed: int = setting(0, "seed of folds and boosters")
    top_reasons: int = setting(3, "reasons given per enterprise")
    threads: int = setting(1, "LightGBM threads (1: on a shared 2-core machine two threads ran 8x slower)")
    max_train_rows: int = setting(60000, "train 'credit train' on at most this many labelled rows (whole firms drawn at random); 0 = all")


@dataclass
class TiersSettings:
    """Credit tiers A (low risk) .. D (high risk): cut-offs, overrides, damping (riskmodels/credit/tiers.py)."""

    method: str = setting("shares", "\"shares\": cut-offs give each tier its target share; \"probability\": fixed probability cut-offs")
    shares: list = setting([0.3, 0.45, 0.17, 0.08], "target shares of A, B, C, D (method = shares), before overrides")
    cutoffs: list = setting([0.05, 0.15, 0.35], "upper probability bounds of A, B, C (method = probability)")
    damping: float = setting(0.02, "keep the previous tier when the probability is within this margin of the crossed cut-off")
    serious_to_d: bool = setting(True, "override: a firm on the serious illegal and dishonest list is D")
    abnormal_at_least_c: bool = setting(True, "override: a firm on the abnormal operation list is at least C")
    no_history_b: bool = setting(True, "override: a firm with no credit or inspection history is B")


@dataclass
class CollusionSettings:
    """Collusion models (riskmodels collusion evaluate/train/score; docs/evaluation.md)."""

    n_estimators: int = setting(300, "LightGBM trees of the tender model")
    learning_rate: float = setting(0.03, "LightGBM learning rate")
    num_leaves: int = setting(15, "LightGBM leaves per tree")
    min_child_samples: int = setting(10, "LightGBM minimum tenders per leaf")
    calibration: str = setting("sigmoid", "probability calibration on cross-fitted scores: sigmoid, isotonic or none")
    threshold: float = setting(0.5, "calibrated probability at which a tender is flagged")
    reasons: int = setting(3, "reasons given per tender")
    flag_share: float = setting(0.1, "without a model: share of the market the composite score flags (the top of the ranking)")
    transfer_flag_share: float = setting(0.05, "with a model, on a market it was not trained on: share of that market flagged (the top of its ranking; a probability threshold would carry the training markets' collusion rates)")


@dataclass
class EngineSettings:
    """Where the work runs (docs/scale.md): pandas in this process, or Dask on a local cluster or a team's scheduler. The global options --engine, --scheduler, --workers, --memory-per-worker and the RISKMODELS_ENGINE variable override these keys."""

    name: str = setting("pandas", "\"pandas\": every stage in this process, as always; \"dask\": partitions of the data run on Dask workers")
    scheduler: str = setting("", "address of a running Dask scheduler (tcp://host:8786); empty: start a local cluster of worker processes")
    workers: int = setting(0, "worker processes of the local cluster (one thread each); 0: one per core")
    memory_per_worker: str = setting("", "memory limit of each local worker, e.g. \"4GiB\" (Dask spills to disk above part of it); empty: the machine's memory shared out")
    partitions: int = setting(0, "partitions of a table that is split in memory (by a hash of tender_id or enterprise_id); 0: two per worker, more for big tables")
    block_rows: int = setting(250000, "at most about this many rows per partition when a table is split in memory")


@dataclass
class ModelsSettings:
    """Where models may be loaded from (--model). A model is code (a pickle): by default only a local path or a runs:/ or models:/ URI of the configured tracking store."""

    allowed_hosts: list = setting([], "hosts (e.g. \"mlflow.internal\") whose http(s)/s3/... model URIs may be loaded; empty = none, any other scheme is refused")


@dataclass
class CasesSettings:
    """The investigator's loop (riskmodels cases ...; docs/cases.md): where verdicts and warnings are kept."""

    store: str = setting("", "case store: a SQLite file path or a postgresql:// URL shared by a team; empty: ~/.riskmodels/cases.db (the --store option overrides it)")
    warn_share: float = setting(0.05, "cases warn: share of the new tenders warned by score (the top of their ranking against the kept history)")


@dataclass
class ReportSettings:
    """HTML reports (riskmodels collusion report): how many cases get pages, and the language of the labels."""

    top_tenders: int = setting(50, "tenders listed on the case file's index, each with its page")
    top_groups: int = setting(20, "bidder groups listed on the index, each with its page (and their joint tenders' pages)")
    lang: str = setting("en", "language of the report's labels: en or zh (the command's --lang overrides it)")


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
    """Settings from `path`; with None, from `riskmodels.toml` in the working directory if it exists, else the defaults."""
    if path is None:
        p = Path(DEFAULT_FILE)
        if not p.exists():
            return Settings()
    else:
        p = Path(path)
        if not p.exists():
            raise SettingsError(f"{p}: settings file not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SettingsError(f"{p}: not valid TOML ({e})") from None
    settings = Settings()
    sections = {f.name for f in dataclasses.fields(Settings)}
    for name, value in data.items():
        if name not in sections:
            raise SettingsError(f"{p}: unknown section [{name}] (known: {', '.join(sorted(sections))})")
        if not isinstance(value, dict):
            raise SettingsError(f"{p}: '{name}' must be a [section]; got {value!r}")
        setattr(settings, name, _fill(type(getattr(settings, name)), value, name, str(p)))
    return settings


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
