"""The explicit list of legal flags. Add a module, then one line here."""
from __future__ import annotations

from features.legal import a34, a39, a40_1, a40_2, a40_3, a40_4, a40_6

LEGAL = {m.CODE: m for m in (a34, a40_1, a40_2, a40_3, a40_4, a40_6, a39)}
