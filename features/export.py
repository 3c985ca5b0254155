"""Writing tables people open in spreadsheet programs: CSV (UTF-8 with BOM so Excel shows Chinese text), Parquet or XLSX by
extension, with formula injection neutralised (a text cell starting with =, +, -, @, tab or CR gets a leading apostrophe)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` made safe for a spreadsheet cell: text that a spreadsheet would run as a formula is prefixed with `'`.
    Numbers are left alone (a negative number is not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells (and column names) cannot start a formula."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_table(df: pd.DataFrame, path, *, spreadsheet_safe: bool = True, index: bool = False) -> Path:
    """Write `df` to `path` as .csv, .parquet or .xlsx (by extension). CSV and XLSX are spreadsheet-safe by default."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    ext = path.suffix.lower()
    if ext == ".parquet":
        df.to_parquet(path, index=index)
    elif ext == ".csv":
        (safe_frame(df) if spreadsheet_safe else df).to_csv(path, index=index, encoding="utf-8-sig" if spreadsheet_safe else "utf-8")
    elif ext == ".xlsx":
        (safe_frame(df) if spreadsheet_safe else df).to_excel(path, index=index, engine="openpyxl")
    else:
        raise InputError(f"{path}: unsupported output format '{ext}' (use .csv, .parquet or .xlsx)")
    return path
