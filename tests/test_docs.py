"""The docs name what exists: every dotted name of ours in docs/*.md and README.md (`features.io.read.read_raw`,
`riskmodels.collusion.pipeline`, ...) imports as a module or resolves as an attribute of one."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
DOTTED = re.compile(r"(?<![\w./-])((?:features|graphs|riskmodels|experiments)(?:\.[A-Za-z_]\w*)+)")


def dotted_names(text: str) -> set[str]:
    """Dotted names of the four packages in `text`; a trailing file suffix (`.py`, `.md`, `.toml`) is a path, not a name."""
    out = set()
    for m in DOTTED.finditer(text):
        name = m.group(1)
        if re.search(r"\.(py|md|toml|csv|json|html|txt)$", name):
            continue
        out.add(name)
    return out


def resolves(name: str) -> bool:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_the_scanner_finds_names_and_skips_paths():
    text = "see `features.io.read.read_raw`, features/io/read.py, riskmodels.collusion.pipeline.py and graphs.groups."
    assert dotted_names(text) == {"features.io.read.read_raw", "graphs.groups"}
    assert resolves("features.io.read.read_raw") and resolves("graphs.groups")
    assert not resolves("features.pairs.bid_progressions") and not resolves("riskmodels.collusion.market_weights")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_dotted_name_in_the_docs_exists(doc):
    missing = sorted(n for n in dotted_names(doc.read_text(encoding="utf-8")) if not resolves(n))
    assert not missing, f"{doc.relative_to(ROOT)} names what does not exist: {', '.join(missing)}"
