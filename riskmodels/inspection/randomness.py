"""Verifiable randomness: every random choice of a plan is a SHA-256 hash of public text.

The procedure (docs/inspection.md gives it step by step so anyone can re-derive a plan with any SHA-256 tool):

1. `seed_key` = SHA-256 (lowercase hex) of the UTF-8 text

       riskmodels-inspect-v1\n
       seed=<public seed text>\n
       period=<YYYY-MM>\n
       input <name>=<sha256 of the input file, or "absent">\n      (one line per input, names in ascending order)

   so the draw depends on the public seed and on the exact input files, and on nothing else.
2. `digest(key, p1, p2, ...)` = SHA-256 hex of the UTF-8 text `key|p1|p2|...` (parts joined by `|`).
3. `uniform(key, ...)` = the first 13 hex digits of the digest read as an integer, divided by 16**13: a number in [0, 1)
   with 52 random bits, exactly representable as a float64.
4. A *keyed order* of ids sorts them by `digest(key, purpose, ..., id)` as text (ties, which SHA-256 makes practically
   impossible, by id).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

ALGORITHM = "riskmodels-inspect-v1"
SEP = "|"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: Path) -> str:
    """SHA-256 of a file's bytes; for a folder of Parquet parts, SHA-256 of the text `<name> <sha256>\\n` over its files
    sorted by name."""
    path = Path(path)
    if path.is_dir():
        lines = "".join(f"{p.name} {sha256_path(p)}\n" for p in sorted(path.iterdir(), key=lambda p: p.name) if p.is_file())
        return sha256_bytes(lines.encode("utf-8"))
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def seed_text(seed: str, period: str, input_hashes: dict) -> str:
    """The text whose SHA-256 is the seed key (step 1)."""
    lines = [ALGORITHM, f"seed={seed}", f"period={period}"]
    lines += [f"input {name}={input_hashes[name] or 'absent'}" for name in sorted(input_hashes)]
    return "\n".join(lines) + "\n"


def seed_key(seed: str, period: str, input_hashes: dict) -> str:
    """Step 1: the key every random choice of the plan derives from."""
    return sha256_bytes(seed_text(seed, period, input_hashes).encode("utf-8"))


def digest(key: str, *parts) -> str:
    """Step 2: SHA-256 hex of `key|part1|part2|...`."""
    return sha256_bytes(SEP.join([key, *map(str, parts)]).encode("utf-8"))


def uniform(key: str, *parts) -> float:
    """Step 3: a uniform number in [0, 1) from the first 13 hex digits (52 bits) of the digest."""
    return int(digest(key, *parts)[:13], 16) / 16 ** 13


def keyed_order(key: str, ids: Iterable, *purpose) -> list:
    """Step 4: `ids` sorted by `digest(key, *purpose, id)`, ties by id."""
    return sorted(ids, key=lambda i: (digest(key, *purpose, i), str(i)))
