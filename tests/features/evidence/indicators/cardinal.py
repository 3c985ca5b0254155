"""Cardinal's vendored fixtures (tests/fixtures/indicators/, see its README): the settings a fixture's name carries and the
results our driver gives for it, for the per-indicator conformance tests."""
from __future__ import annotations

import json
from pathlib import Path
from features.evidence.indicators import driver
from features.evidence.indicators.config import load_ini
from features.imports.ocds import read_processes


FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "indicators"
NAMES = sorted(p.stem for p in FIXTURES.glob("R*.jsonl"))


def names_of(code: str) -> list[str]:
    """The fixtures of one indicator (`R024`, `R048-minimum_contracting_processes-1`, ...)."""
    return [n for n in NAMES if n.split("-")[0] == code]


def ini_for(name: str) -> str:
    """The settings a fixture's name carries (see tests/fixtures/indicators/README.md)."""
    parts = name.replace("+", "|").split("-")
    code, rest = parts[0], parts[1:]
    lines = ["no_price_comparison_procurement_methods = NPC", "", "[exclusions]", "procurement_method_details = EXC", "",
             f"[{code}]"]
    if len(rest) == 2:
        lines.append(f"{rest[0]} = {rest[1]}")
    elif len(rest) > 2:
        lines += ["", f"[{code}.{rest[0]}]"] + [f"{k} = {v}" for k, v in zip(rest[1::2], rest[2::2])]
    return "\n".join(lines) + "\n"


def results(path: Path, ini: Path, meta: bool = False) -> dict:
    return json.loads(driver.to_json(driver.run(read_processes(path), load_ini(ini)), meta=meta))


def check_fixture(name: str, tmp_path: Path) -> None:
    """The fixture `name` gives Cardinal's expected output (empty groups left out)."""
    ini = tmp_path / "settings.ini"
    ini.write_text(ini_for(name))
    expected = {k: v for k, v in json.loads((FIXTURES / f"{name}.expected").read_text()).items() if v}
    assert results(FIXTURES / f"{name}.jsonl", ini) == expected


EXAMPLES = sorted(p.stem for p in (FIXTURES / "examples").glob("*.jsonl"))  # the examples of Cardinal's documentation
