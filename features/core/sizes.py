"""Sizes written as text ("4GiB", "300MiB", "2 GB"): what the settings and the engine read memory limits with."""
from __future__ import annotations

import re


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
