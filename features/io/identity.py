"""What names a dataset in records that outlive the machine: a short human name and a content fingerprint.

Tracked runs, reports and comparisons must not carry machine paths (`/home/ana/city/data` on one laptop and `data` on
another are the same data; two folders called `data` may not be). A dataset is therefore recorded as:

- `dataset_name(path)`: `city-<scale>-s<seed>` for a city written by `riskmodels data simulate` (read from its
  `truth/simulation.json`), else the folder's own name (`italy`, `pingshan-2025`); never a path.
- `dataset_fingerprint(path)`: the first 12 hex digits of a SHA-256 over the names and bytes of the dataset's files
  (the tables at its top level and their Parquet parts; `truth/` and other subfolders left out), so the same bytes give
  the same fingerprint wherever they lie, and one changed cell changes it.

Both assume `path` is a dataset directory; a missing folder gives its name and the fingerprint `absent`.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx", ".json", ".tsv", ".txt")
FINGERPRINT_DIGITS = 12


def dataset_name(path: str | Path) -> str:
    """A short name for the dataset in `path`, never a path (module doc)."""
    p = Path(path)
    meta = p / "truth" / "simulation.json"
    if meta.is_file():
        try:
            doc = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}
        if isinstance(doc, dict) and doc.get("scale") and doc.get("seed") is not None:
            return f"city-{doc['scale']}-s{doc['seed']}"
    name = p.resolve().name if str(p) in ("", ".") else p.name
    return name or "dataset"


def _table_files(p: Path) -> list[Path]:
    files = []
    for f in sorted(p.iterdir(), key=lambda x: x.name):
        if f.is_file() and f.suffix.lower() in TABLE_SUFFIXES and not f.name.startswith("."):
            files.append(f)
        elif f.is_dir() and f.name != "truth" and not f.name.startswith("."):  # a table as a folder of Parquet parts
            files += [x for x in sorted(f.iterdir(), key=lambda x: x.name) if x.is_file() and x.suffix == ".parquet"]
    return files


def dataset_fingerprint(path: str | Path) -> str:
    """SHA-256 (first 12 hex digits) over the relative names and bytes of the dataset's table files (module doc)."""
    p = Path(path)
    if not p.is_dir():
        return "absent"
    h = hashlib.sha256()
    for f in _table_files(p):
        h.update(f.relative_to(p).as_posix().encode("utf-8") + b"\0")
        with open(f, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:FINGERPRINT_DIGITS]


def dataset_identity(paths) -> dict:
    """{"data": names joined by '+', "data_fingerprint": fingerprints joined by '+'} for one path or several (markets)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return {"data": "+".join(dataset_name(p) for p in paths),
            "data_fingerprint": "+".join(dataset_fingerprint(p) for p in paths)}
