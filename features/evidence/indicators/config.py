"""Indicator settings: Cardinal's INI file (`riskmodels ocds indicators JSONL --settings INI`) or a plain mapping.

Like Cardinal, a section `[R024]` switches its indicator on (an empty section uses the defaults); top-level keys
`currency`, `no_price_comparison_procurement_methods`, `price_comparison_procurement_methods` and the section
`[exclusions] procurement_method_details` apply to every indicator; pipe-separated values (`a|b`) are sets.
Unknown sections and keys are errors that name them (Cardinal: `deny_unknown_fields`). Sections of Cardinal's `prepare`
command (`[defaults]`, `[redactions]`, `[corrections]`, `[modifications]`, `[codelists.*]`) are accepted and ignored,
so a Cardinal settings file can be used as it is.
"""
from __future__ import annotations

import configparser
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from features.core.errors import SettingsError
from features.evidence.indicators.base import GlobalConfig

_PREPARE_SECTIONS = ("defaults", "redactions", "corrections", "modifications", "codelists")
_TOP = "__top__"


@dataclass
class IndicatorConfig:
    """Global settings plus the settings of each enabled indicator (code -> its Settings dataclass instance)."""

    globals: GlobalConfig = field(default_factory=GlobalConfig)
    enabled: dict = field(default_factory=dict)


def pipe(value: str) -> frozenset:
    """Cardinal's `split_terminator('|')`: 'a|b|' -> {a, b}; '' -> {}."""
    parts = value.split("|")
    if parts and parts[-1] == "":
        parts.pop()
    return frozenset(parts)


def _convert(kind: str, value: Any, where: str):
    if kind == "pipe":
        if isinstance(value, (list, tuple, set, frozenset)):
            return frozenset(str(v) for v in value)
        return pipe(str(value))
    if kind == "str":
        return str(value)
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            n = int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
            if n < 0:
                raise ValueError
            return n
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise SettingsError(f"{where} must be a {'natural number' if kind == 'int' else 'decimal'}; got {value!r}") from None
    raise SettingsError(f"{where}: unsupported kind {kind}")


def build(data: dict, origin: str = "settings") -> IndicatorConfig:
    """An `IndicatorConfig` from a mapping {top-level key: value, section: {key: value}, "R003": {"procurement_method_details": {...}}}."""
    from features.evidence.indicators import REGISTRY

    cfg = IndicatorConfig()
    g = cfg.globals
    for key, value in data.items():
        if isinstance(value, dict):
            continue
        if key == "currency":
            g.currency = str(value)
        elif key == "no_price_comparison_procurement_methods":
            g.no_price_comparison_procurement_methods = _convert("pipe", value, f"{origin}: {key}")
        elif key == "price_comparison_procurement_methods":
            g.price_comparison_procurement_methods = _convert("pipe", value, f"{origin}: {key}")
        else:
            raise SettingsError(f"{origin}: unknown top-level key '{key}' (known: currency, "
                                "no_price_comparison_procurement_methods, price_comparison_procurement_methods)")
    for name, section in data.items():
        if not isinstance(section, dict):
            continue
        if name.split(".")[0] in _PREPARE_SECTIONS:
            continue
        if name == "exclusions":
            for key, value in section.items():
                if key != "procurement_method_details":
                    raise SettingsError(f"{origin}: unknown key '{key}' in [exclusions] (known: procurement_method_details)")
                g.excluded_procurement_method_details = _convert("pipe", value, f"{origin}: [exclusions] {key}")
            continue
        if name not in REGISTRY:
            raise SettingsError(f"{origin}: unknown section [{name}] (indicators: {', '.join(REGISTRY)}; "
                                "globals: exclusions)")
        cls = REGISTRY[name].Settings
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values = {}
        for key, value in section.items():
            if key not in fields:
                known = ", ".join(fields) or "none: the indicator is not configurable"
                raise SettingsError(f"{origin}: unknown key '{key}' in [{name}] (known: {known})")
            kind = fields[key].metadata.get("kind", "str")
            if kind == "table":
                if not isinstance(value, dict):
                    raise SettingsError(f"{origin}: [{name}.{key}] must be a section of 'value = natural number'")
                values[key] = {str(k): _convert("int", v, f"{origin}: [{name}.{key}] {k}") for k, v in value.items()}
            else:
                values[key] = _convert(kind, value, f"{origin}: [{name}] {key}")
        cfg.enabled[name] = cls(**values)
    return cfg


def read_ini(path: str | Path) -> dict:
    """Cardinal's INI file as a nested dict: top-level keys, sections, and `[A.b]` sections nested as data['A']['b']."""
    p = Path(path)
    if not p.exists():
        raise SettingsError(f"{p}: settings file not found")
    parser = configparser.ConfigParser(delimiters=("=",), comment_prefixes=(";", "#"), inline_comment_prefixes=(";", "#"),
                                       interpolation=None, strict=True, default_section="\0none")
    parser.optionxform = str  # keys are case-sensitive (procurementMethodDetails values)
    try:
        text = p.read_text(encoding="utf-8")
        parser.read_string(f"[{_TOP}]\n" + text, source=str(p))
    except (configparser.Error, UnicodeDecodeError) as e:
        raise SettingsError(f"{p}: not a valid INI settings file ({' '.join(str(e).split())})") from None
    data: dict = {}
    for section in parser.sections():
        items = {k: v if v is not None else "" for k, v in parser.items(section, raw=True)}
        if section == _TOP:
            data.update(items)
            continue
        head, _, sub = section.partition(".")
        if sub and head in data and isinstance(data[head], dict) or (sub and head.startswith("R")):
            data.setdefault(head, {})[sub] = items
        else:
            data.setdefault(section, {}).update(items)
    return data


def load_ini(path: str | Path | None) -> IndicatorConfig:
    """The indicator settings of an INI file; with None, every Cardinal indicator with its defaults (Cardinal `init`)."""
    if path is None:
        from features.evidence.indicators import CARDINAL

        return build({code: {} for code in CARDINAL}, "defaults")
    return build(read_ini(path), str(path))
