"""The prepare step: raw text records -> typed canonical rows, with every unusable row recorded in a rejects table.

Fixes what it can (header aliases, thousands separators, currency signs, 万 units, full-width characters, the usual date formats,
placeholder amounts in optional columns) and rejects the rest with one reason per row (the first problem found). Problems in
optional columns never reject a row: the value becomes missing and the fix is counted in `notes`.
Every record read ends up either accepted or rejected: `read = accepted + rejected`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.core.errors import InputError
from features.core.settings import ValidateSettings, validate_section
from features.io import uscc
from features.io.read import RawTable
from features.io.schema import BID_STATUSES, LIMITS, Table, limits

REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]

# Header aliases seen in Chinese platform exports; a user's [columns.TABLE] mapping comes first.
ALIASES = {
    "招标编号": "tender_id", "项目编号": "tender_id", "标段编号": "tender_id", "标段编码": "tender_id",
    "投标人": "bidder_id", "投标单位": "bidder_id", "投标人统一社会信用代码": "bidder_id",
    "投标报价": "price", "投标价格": "price", "报价": "price",
    "统一社会信用代码": "enterprise_id", "企业名称": "name", "法定代表人": "legal_rep_id",
    "成立日期": "established_on", "注册资本": "registered_capital", "行业": "industry", "地址": "address",
    "联系电话": "phone", "招标控制价": "reserve_price", "最高限价": "reserve_price", "发布时间": "published_at",
    "开标时间": "deadline_at", "中标": "is_winner", "是否中标": "is_winner",
}


@dataclass
class Prepared:
    frame: pd.DataFrame
    rejects: pd.DataFrame
    notes: list
    read: int


def canonical_names(columns, table: Table, mapping: dict, label: str) -> dict:
    """Rename map from a file's headers to canonical names: the user's mapping, then exact names, then case/space-insensitive
    names, then built-in aliases. Two headers landing on one canonical column is an error naming both."""
    canon = set(table.columns)
    loose = {c.lower(): c for c in canon}
    out = {}
    for col in columns:
        if col in mapping:
            target = mapping[col]
        elif col in canon:
            target = col
        elif col.strip().lower().replace(" ", "_").replace("-", "_") in loose:
            target = loose[col.strip().lower().replace(" ", "_").replace("-", "_")]
        elif col.strip() in ALIASES and ALIASES[col.strip()] in canon:
            target = ALIASES[col.strip()]
        else:
            target = col
        out[col] = target
    targets = {}
    for src, dst in out.items():
        if dst in targets:
            raise InputError(f"{label}: columns '{targets[dst]}' and '{src}' both map to '{dst}'")
        targets[dst] = src
    return out


def _stripped(s: pd.Series) -> pd.Series:
    """Stripped text with empty values as missing."""
    t = s.astype("string").str.strip()
    return t.mask(t == "")


# a number read one way only: digits with optional thousands separators in groups of three, an optional decimal point part
_GROUPED = r"[+-]?(?:\d{1,3}(?:[,，]\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d+)?"
_MONEY_SHAPE = rf"{_GROUPED}万?"
_PLAIN_SHAPE = rf"{_GROUPED}%?"


def _parse_numeric(s: pd.Series, fix) -> pd.Series:
    """Numbers from text: plain values directly; the rest NFKC-normalised (full-width digits) and passed to `fix`, which turns
    the cleaned text into numbers. Numeric input (Parquet) is used as it is. Unparseable -> NaN; `inf`, `1e309` -> inf
    (the prepare step rejects non-finite values with their own reason)."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    t = _stripped(s)
    out = pd.to_numeric(t.where(~t.str.contains(r"[nN][aA][nN]", regex=True).fillna(False)), errors="coerce").astype("float64")
    todo = t.notna() & out.isna()
    if todo.any():
        out[todo] = fix(t[todo].str.normalize("NFKC"))
    return out


def _money(u: pd.Series) -> pd.Series:
    """Amounts in one reading only: `1,234,567.00`, `¥1 234元`, `12.5万`. `1.234,56` (decimal comma or grouping?),
    `1,2,3`, `12.5万万` and `万12` have no single reading and are NaN (rejected)."""
    u = u.str.replace(r"^(?:RMB|CNY|人民币|[¥$€£])\s*|\s*(?:元|RMB|CNY)$", "", regex=True).str.strip()
    ok = u.str.fullmatch(_MONEY_SHAPE).fillna(False).astype(bool)
    u = u.where(ok)
    wan = u.str.endswith("万").fillna(False).astype(bool)
    v = pd.to_numeric(u.str.replace(r"[,，\s万]", "", regex=True), errors="coerce").astype("float64")
    v[wan] = v[wan] * 1e4
    return v


def _plain(u: pd.Series) -> pd.Series:
    """Numbers in one reading only: `1,234.5`, `30%` (-> 0.3)."""
    u = u.str.strip()
    u = u.where(u.str.fullmatch(_PLAIN_SHAPE).fillna(False).astype(bool))
    pct = u.str.endswith("%").fillna(False).astype(bool)
    v = pd.to_numeric(u.str.replace(r"[,，\s%]", "", regex=True), errors="coerce").astype("float64")
    v[pct] = v[pct] / 100.0
    return v


def parse_amount(s: pd.Series) -> pd.Series:
    """Money amounts: `1,234,567.00`, `¥1234`, `￥1 234元`, `12.5万`, full-width digits. Unparseable -> NaN."""
    return _parse_numeric(s, _money)


def parse_number(s: pd.Series) -> pd.Series:
    """Numbers: `1,234.5`, `30%` (-> 0.3), full-width digits. Unparseable -> NaN."""
    return _parse_numeric(s, _plain)


def unix_unit(numbers: pd.Series) -> str | None:
    """'ms' or 's' when a column's numbers are Unix times (median above 1e11: milliseconds; above 1e8: seconds, i.e.
    after 1973-03-03), else None (a day or period number, or `20230105`, which is below 1e8)."""
    x = pd.to_numeric(numbers, errors="coerce")
    mid = x.where(x > 0).median()
    if not mid > 1e8:
        return None
    return "ms" if mid > 1e11 else "s"


def unix_times(numbers: pd.Series, unit: str) -> pd.Series:
    """Unix times in `unit` ('s' or 'ms') as UTC date-times; values that are not positive or too large become NaT."""
    x = pd.to_numeric(numbers, errors="coerce")
    x = x.where((x > 0) & (x < (1e15 if unit == "ms" else 1e12)))
    return pd.to_datetime(x, unit=unit, errors="coerce")


_AWARE = r".*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)"
_YEAR_LAST = r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(.*)"


def day_month_order(t: pd.Series, date_order: str = "") -> tuple[pd.Series, pd.Series]:
    """Slashed dates with the year last (`13/01/2023`, `01/13/2023`, `01/02/2023`) rewritten as ISO text, each by the
    only order that gives a real date; when both orders do (`01/02/2023`) the `date_order` setting decides ("dmy" or
    "mdy"), else the value is ambiguous. Returns (rewritten text, ambiguous mask); other values pass unchanged."""
    m = t.str.extract(_YEAR_LAST)
    hit = m[0].notna() & t.str.fullmatch(_YEAR_LAST).fillna(False).astype(bool)
    ambiguous = pd.Series(False, index=t.index)
    if not hit.any():
        return t, ambiguous
    a = pd.to_numeric(m[0], errors="coerce")
    b = pd.to_numeric(m[1], errors="coerce")
    day_first = hit & (a > 12) & (b <= 12)
    month_first = hit & (b > 12) & (a <= 12)
    both = hit & (a <= 12) & (b <= 12)
    same = both & (a == b)
    if date_order == "dmy":
        day_first |= both
    elif date_order == "mdy":
        month_first |= both
    else:
        day_first |= same
        ambiguous = both & ~same
    out = t.copy()
    rest = m[3].fillna("")
    out[day_first] = m[2][day_first] + "-" + m[1][day_first].str.zfill(2) + "-" + m[0][day_first].str.zfill(2) + rest[day_first]
    out[month_first] = (m[2][month_first] + "-" + m[0][month_first].str.zfill(2) + "-" + m[1][month_first].str.zfill(2)
                        + rest[month_first])
    out[ambiguous] = pd.NA
    return out, ambiguous


_WORDS = [w for x in ("now", "today", "tomorrow", "yesterday") for w in (x, x.upper(), x.title())]


def parse_date(s: pd.Series, timezone: str = "Asia/Shanghai", date_order: str = "") -> pd.Series:
    """Dates and date-times in the usual formats: ISO, `2023/01/05`, `2023.1.5`, `20230105`, `2023年1月5日 10:30`,
    `13/01/2023` (see `day_month_order`). A value with a time-zone offset (`2023-06-01T10:00:00+08:00`, `...Z`) is
    converted to `timezone` (the zone of the values without one) and kept without the offset; how many were converted is
    in `result.attrs["aware"]`. Words such as `now` or `today` are not dates (the result would depend on when the command
    runs). A column of plain numbers that are Unix times (`unix_unit`) is read as Unix seconds or milliseconds (UTC),
    as `data import garcia` reads them."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
        aware = 0
        if getattr(s.dt, "tz", None) is not None:
            aware = int(s.notna().sum())
            out = s.dt.tz_convert(timezone).dt.tz_localize(None)
        out = out.astype("datetime64[us]")
        out.attrs["aware"] = aware
        return out
    t = _stripped(s)
    t = t.mask(t.isin(_WORDS))  # pandas reads these as the current time
    try:  # one vectorised pass reads ISO values: all naive, or all with an offset
        out = pd.to_datetime(t, format="ISO8601", errors="coerce")
        aware = 0
        if getattr(out.dt, "tz", None) is not None:
            aware = int(out.notna().sum())
            out = out.dt.tz_convert(timezone).dt.tz_localize(None)
        out = out.astype("datetime64[us]")
    except (ValueError, TypeError):  # values with and without an offset in one column
        out, aware = _dates_with_offsets(t, timezone)
    plain = t.str.fullmatch(r"\d+(\.0+)?").fillna(False).astype(bool)
    unit = unix_unit(t[plain]) if plain.any() else None
    if unit is not None:
        out[plain] = unix_times(t[plain], unit).astype("datetime64[us]")
    todo = (t.notna() & out.isna() & ~(plain if unit is not None else False)).to_numpy()
    if todo.any():
        u = t[todo]
        u = u.where(u.str.contains(r"\d", regex=True).fillna(False).astype(bool))  # no digit, no date
        u, _ = day_month_order(u, date_order)
        v, k = _dates_with_offsets(u, timezone)
        aware += k
        rest = (u.notna() & v.isna()).to_numpy()
        if rest.any():
            w = u[rest].str.normalize("NFKC").str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
            w = w.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
            x, k = _dates_with_offsets(w, timezone)
            aware += k
            # dateutil fills what a value leaves out from today's date: only values with a four-digit year go there
            more = (x.isna() & ~w.str.fullmatch(_AWARE).fillna(False).astype(bool)
                    & w.str.contains(r"\d{4}").fillna(False)).to_numpy()
            if more.any():
                y = pd.to_datetime(w[more], format="mixed", errors="coerce")
                if getattr(y.dt, "tz", None) is not None:
                    y = y.dt.tz_convert(timezone).dt.tz_localize(None)
                x[more] = y.astype("datetime64[us]")
            v[rest] = x
        out[todo] = v
    out = out.astype("datetime64[us]")
    out.attrs["aware"] = aware
    return out


def _dates_with_offsets(t: pd.Series, timezone: str) -> tuple[pd.Series, int]:
    """ISO values of `t`, those with an offset converted to `timezone`; (values, how many had an offset)."""
    aware = t.str.fullmatch(_AWARE).fillna(False).astype(bool).to_numpy()
    out = pd.Series(pd.NaT, index=t.index, dtype="datetime64[us]")
    if aware.any():
        a = t[aware].str.replace(r"\s*(UTC|GMT)$", "Z", regex=True).str.replace(r"\s+(?=[+-]\d{2})", "", regex=True)
        v = pd.to_datetime(a, format="ISO8601", errors="coerce", utc=True)
        out[aware] = v.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[us]")
    if (~aware).any():
        out[~aware] = pd.to_datetime(t[~aware], format="ISO8601", errors="coerce").astype("datetime64[us]")
    return out, int(out[aware].notna().sum())


_TRUE = {"1", "1.0", "true", "t", "yes", "y", "是", "中标", "x"}
_FALSE = {"0", "0.0", "false", "f", "no", "n", "否", "未中标"}


def parse_flag(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        v = s.astype("float64")
        return v.where(v.isin([0.0, 1.0]))
    t = _stripped(s).str.lower()
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[t.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = 1.0
    out[t.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = 0.0
    return out


def _on_unique(s: pd.Series, fn) -> pd.Series:
    """Apply a Series -> Series function to the distinct values of `s` only (ids repeat a lot); missing stays missing."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return s
    mapped = fn(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    out = np.where(codes >= 0, mapped[np.maximum(codes, 0)], None)
    return pd.Series(out, index=s.index, dtype=object)


def _upper_codes(u: pd.Series) -> pd.Series:
    """Lower-case letters in a value of the credit-code form are a fixable typo: upper-case them."""
    up = u.str.upper()
    fix = up.str.fullmatch(uscc.SHAPE.pattern).fillna(False).astype(bool) & (up != u)
    return u.where(~fix, up)


_EXACT = 2.0 ** 53  # integers up to here survive a float exactly

# characters that show nothing: soft hyphen, zero-width space / joiners, direction marks and embeddings, word joiner,
# invisible operators, byte-order mark, Mongolian vowel separator, and the tag characters
INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]")


def normalise_id(value: str) -> str:
    """One firm, one id: the NFKC form of `value` (full-width letters and digits become ASCII: a credit code typed
    with a Chinese input method is the same code) without invisible characters, stripped."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", value)).strip()


def _normalise_ids(u: pd.Series) -> pd.Series:
    """`normalise_id` over distinct values; ASCII values are left as they are (they cannot change)."""
    ascii_ = u.str.isascii().fillna(True).to_numpy(dtype=bool)
    if ascii_.all():
        return u
    out = u.copy()
    out[~ascii_] = [normalise_id(x) for x in u[~ascii_]]
    return out


def _id(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Ids as text, and a mask of ids that cannot be read exactly. Integers from Parquet become their text; a float id
    (Parquet) is read only when it is a whole number below 2**53 (12.0 -> '12'): `1e20`, `inf` or `12.5` were numbers
    before they were ids, and the id they stood for is lost (the row is rejected rather than given a colliding id)."""
    bad = np.zeros(len(s), dtype=bool)
    if pd.api.types.is_float_dtype(s):
        f = s.to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(f) & (f == np.floor(f)) & (np.abs(f) < _EXACT)
        bad = s.notna().to_numpy() & ~whole
        t = pd.Series(None, index=s.index, dtype="string")
        t[whole] = pd.Series(f[whole].astype("int64"), index=s.index[whole]).astype("string")
        s = t
    elif pd.api.types.is_integer_dtype(s):
        s = s.astype("string")
    t = _stripped(s)
    return t.astype(object).where(t.notna(), None), bad


class _Verdicts:
    """What `prepare` decides about the rows of one table: the first reason each row is rejected (with its column and
    value), and notes about values read as missing in optional columns (counted, the row kept)."""

    def __init__(self, table: str, n: int):
        self.table = table
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.notes: list = []

    @property
    def live(self) -> np.ndarray:
        """Rows not rejected so far."""
        return self.reason == None  # noqa: E711 - elementwise on an object array

    def reject(self, mask, column, why, values) -> None:
        """Reject the rows of `mask` not already rejected; `why` is one text or one text per row."""
        mask = np.asarray(mask, dtype=bool) & self.live
        if mask.any():
            idx = np.flatnonzero(mask)
            self.reason[idx] = why if isinstance(why, str) else np.asarray(why, dtype=object)[idx]
            self.column[idx] = column
            self.value[idx] = np.asarray(values.astype(object), dtype=object)[idx]

    def note(self, column, why, count) -> None:
        if count:
            self.notes.append({"table": self.table, "column": column, "problem": why, "count": int(count)})

    def missing_or_reject(self, required: bool, mask, column, reject_why: str, note_why: str, values) -> None:
        """A bad value rejects the row in a required column, and is counted (read as missing) in an optional one."""
        if required:
            self.reject(mask, column, reject_why, values)
        else:
            self.note(column, note_why, np.asarray(mask, dtype=bool).sum())

    def rejects(self, label: str, rows: np.ndarray, broken: list) -> pd.DataFrame:
        """The rejects table (`REJECT_COLUMNS`), records with a wrong field count included, in row order."""
        bad = ~self.live
        rej = pd.DataFrame({"file": label, "row": rows[bad], "column": self.column[bad],
                            "value": [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                                      for v in self.value[bad]],
                            "reason": self.reason[bad]})
        if broken:
            extra = pd.DataFrame([{"file": label, "row": r, "column": "", "value": text, "reason": why}
                                  for r, k, text, why in broken])
            rej = pd.concat([rej, extra], ignore_index=True) if len(rej) else extra
        return rej.sort_values("row", kind="stable").reset_index(drop=True)[REJECT_COLUMNS]


@dataclass(frozen=True)
class _Column:
    """One source column to prepare: its canonical name, values, kind, whether required, and which cells hold text."""

    name: str
    src: pd.Series
    kind: str
    required: bool
    present: np.ndarray | None


def _check_validate_settings(settings: ValidateSettings) -> str:
    """The `[validate]` time zone, the section checked (`ValidateSettings.check`; a loaded file was checked already)."""
    validate_section(settings)
    return settings.timezone or "Asia/Shanghai"


def _prepare_id(c: _Column, table: Table, settings: ValidateSettings, v: _Verdicts) -> pd.Series:
    out, inexact = _id(c.src)
    v.reject(inexact, c.name, f"{c.name} is a floating-point number, not an exact id (store ids as text)", c.src)
    norm = _on_unique(out, _normalise_ids)
    changed = (out.notna() & (norm != out)).to_numpy(dtype=bool)
    if changed.any():
        pairs = list(dict.fromkeys(zip(out[changed], norm[changed])))
        shown = "; ".join(f"{ascii(a)} -> {ascii(b)}" for a, b in pairs[:3]) + ("; ..." if len(pairs) > 3 else "")
        v.note(c.name, f"id normalised (full-width or compatibility characters to NFKC, invisible characters removed): "
                       f"{shown}", int(changed.sum()))
        out = norm.where(norm != "", None)
    if c.name in table.codes:
        out = _on_unique(out, _upper_codes)
    if c.required:
        v.reject(out.isna().to_numpy(), c.name, f"empty {c.name}", c.src)
    if c.name in table.codes and settings.check_credit_codes:
        why = uscc.problems(out.fillna(""))
        v.reject(why.notna().to_numpy(), c.name, why.to_numpy(), out)
    return out


def _prepare_number(c: _Column, settings: ValidateSettings, v: _Verdicts) -> pd.Series:
    """Amounts (placeholders such as 0 or 99999999 and non-positive amounts are not amounts), numbers and shares."""
    col, src = c.name, c.src
    out = parse_amount(src) if c.kind == "amount" else parse_number(src)
    infinite = np.isinf(out.to_numpy(dtype="float64"))
    v.missing_or_reject(c.required, infinite, col, f"{col} is not a finite number", "not a finite number (read as missing)",
                        src)
    out = out.mask(infinite)
    bad_num = c.present & out.isna().to_numpy() & ~infinite
    if c.required:
        v.reject(~c.present, col, f"empty {col}", src)
    v.missing_or_reject(c.required, bad_num, col, f"{col} is not a number", "not a number (read as missing)", src)
    lo, hi, why = limits(c.kind, col)
    beyond = (out.abs() > hi) if lo < 0 else (out > hi) | (out < lo) if (c.kind == "share" or col in LIMITS) else out > hi
    beyond = beyond.fillna(False).to_numpy(dtype=bool)
    v.missing_or_reject(c.required, beyond, col, f"{col} out of bounds: {why}", f"out of bounds: {why} (read as missing)", src)
    out = out.mask(beyond)
    if c.kind == "amount":
        ph = out.isin([float(x) for x in settings.placeholder_amounts]).to_numpy()
        nonpos = (out <= 0).to_numpy()
        if c.required:
            v.reject(ph, col, f"{col} is a placeholder amount", src)
            v.reject(nonpos, col, f"{col} is not positive", src)
        else:
            v.note(col, "placeholder or non-positive amount (read as missing)", (ph | nonpos).sum())
            out = out.mask(ph | nonpos)
    return out


def _prepare_date(c: _Column, settings: ValidateSettings, zone: str, v: _Verdicts) -> pd.Series:
    """Dates and date-times: offsets converted to `zone`, day/month order read one way or rejected, range checked."""
    col, src = c.name, c.src
    lo, hi = pd.Timestamp(settings.min_date), pd.Timestamp(settings.max_date)
    out = parse_date(src, zone, settings.date_order)
    v.note(col, f"time-zone offset converted to {zone} (the zone of dates without one)", out.attrs.get("aware", 0))
    unread = c.present & out.isna().to_numpy()
    if unread.any() and not pd.api.types.is_datetime64_any_dtype(src):  # only what was not read can be ambiguous
        amb = np.zeros(len(src), dtype=bool)
        amb[unread] = day_month_order(_stripped(src[unread]), settings.date_order)[1].to_numpy()
        v.missing_or_reject(c.required, amb, col, f"{col} reads two ways (day/month or month/day); set [validate] date_order",
                            "day and month could be either way round (read as missing; set [validate] date_order)", src)
    bad = c.present & out.isna().to_numpy()
    oor = out.notna().to_numpy() & ((out < lo) | (out > hi)).fillna(False).to_numpy()
    if c.required:
        v.reject(~c.present, col, f"empty {col}", src)
    v.missing_or_reject(c.required, bad, col, f"{col} is not a date", "not a date (read as missing)", src)
    span = f"{settings.min_date}..{settings.max_date}"
    v.missing_or_reject(c.required, oor, col, f"{col} out of range {span}", f"out of range {span} (read as missing)", src)
    return out if c.required else out.mask(oor)


def _prepare_flag(c: _Column, v: _Verdicts) -> pd.Series:
    out = parse_flag(c.src)
    if c.required:
        v.reject(~c.present, c.name, f"empty {c.name}", c.src)
    v.missing_or_reject(c.required, c.present & out.isna().to_numpy(), c.name, f"{c.name} is not 0/1",
                        "not 0/1 (read as missing)", c.src)
    return out


def _prepare_status(c: _Column, v: _Verdicts) -> pd.Series:
    out = _stripped(c.src).str.lower().fillna("").map(BID_STATUSES)
    v.reject(out.isna().to_numpy(), c.name, "unknown bid status (expected valid, disqualified or withdrawn)", c.src)
    return out.fillna("valid").astype(object)


def _prepare_list(c: _Column) -> pd.Series:
    t = _stripped(c.src)
    t = t.astype(object).where(t.notna(), None)
    return _on_unique(t, lambda u: u.str.replace(r"\s*[,，、;；]\s*", ";", regex=True))


def _prepare_text(c: _Column) -> pd.Series:
    """Free text and columns outside the contract, kept as they are (text stays text)."""
    if pd.api.types.is_numeric_dtype(c.src) or pd.api.types.is_datetime64_any_dtype(c.src):
        return c.src
    t = _stripped(c.src)
    return t.astype(object).where(t.notna(), None)


TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default text dtype: Arrow buffers, missing as NaN


def compact_text(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its text columns (object columns holding only strings and missing values) as `TEXT`: the same values,
    stored in Arrow buffers instead of one Python object per cell (about a third of the memory for ids and codes, which is
    what lets a province's tables fit in one process)."""
    for col in frame.columns:
        s = frame[col]
        if s.dtype == object:
            lib = pd.api.types.infer_dtype(s, skipna=True)
            if lib in ("string", "empty"):
                frame[col] = s.astype(TEXT)
    return frame


def _check_references(frame: pd.DataFrame, table: Table, known: dict | None, v: _Verdicts) -> None:
    """Reject rows whose key is not among the accepted keys of the table it refers to (an unknown tender id ...)."""
    for col, ref_table, ref_col in table.references:
        if known and ref_table in known and col in frame.columns:
            ok = frame[col].isin(known[ref_table]).to_numpy() | frame[col].isna().to_numpy()
            v.reject(~ok, col, f"unknown {col} (not in {ref_table})", frame[col])


def _reject_duplicates(df: pd.DataFrame, rows: np.ndarray, v: _Verdicts) -> None:
    """Reject a row identical in every source cell to an earlier one, naming the earlier row."""
    n = len(df)
    h = pd.util.hash_pandas_object(df.astype("string"), index=False).to_numpy()
    hs = pd.Series(h)
    dup = hs.duplicated(keep="first").to_numpy() & v.live
    if dup.any():
        first_pos = pd.Series(np.arange(n))[~hs.duplicated(keep="first").to_numpy()]
        first_of = pd.Series(first_pos.to_numpy(), index=hs[first_pos.index].to_numpy())
        first_rows = rows[first_of.reindex(h).to_numpy()]
        why = np.array([f"duplicate of row {r}" for r in first_rows], dtype=object)
        v.reject(dup, "", why, pd.Series([""] * n))


def _same(a, b) -> bool:
    return (a is None or (isinstance(a, float) and np.isnan(a))) and (b is None or (isinstance(b, float) and np.isnan(b))) \
        or bool(a == b)


def _reject_conflicting_keys(frame: pd.DataFrame, table: Table, rows: np.ndarray, v: _Verdicts, show: int = 3) -> None:
    """A second row with the key of an earlier one (`Table.key`: a tender, a firm, an inspector given twice) is rejected,
    the reason naming the row that is kept and the columns whose values differ: one id, one record."""
    key = [k for k in table.key if k in frame.columns]
    if not key or len(key) != len(table.key):
        return
    live = v.live & frame[key].notna().all(axis=1).to_numpy()
    if not live.any():
        return
    pos = np.flatnonzero(live)
    keys = frame[key[0]].iloc[pos].astype(str) if len(key) == 1 else \
        frame[key].iloc[pos].astype(str).agg("\x1f".join, axis=1)
    again = keys.duplicated(keep="first").to_numpy()
    if not again.any():
        return
    first = pd.Series(pos, index=keys.to_numpy())
    first = first[~first.index.duplicated(keep="first")]
    cols = [c for c in table.columns if c in frame.columns and c not in key]
    why = np.empty(len(frame), dtype=object)
    for p, f in zip(pos[again], first.reindex(keys.to_numpy()[again]).to_numpy()):
        diff = [c for c in cols if not _same(frame[c].iat[p], frame[c].iat[f])]
        what = (f"other values ({', '.join(diff[:show])}{', ...' if len(diff) > show else ''} differ)" if diff
                else "the same values")
        why[p] = f"{' + '.join(key)} given again with {what}; row {rows[f]} is kept"
    mask = np.zeros(len(frame), dtype=bool)
    mask[pos[again]] = True
    v.reject(mask, key[0], why, frame[key[0]])


def _add_absent_optional(frame: pd.DataFrame, table: Table) -> None:
    """Absent optional columns are added as missing, so that downstream code can rely on them."""
    for col in table.optional:
        if col not in frame.columns:
            kind = table.kind(col)
            if kind in ("amount", "number", "share", "flag"):
                frame[col] = np.nan
            elif kind in ("date", "datetime"):
                frame[col] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
            elif kind == "status":
                frame[col] = "valid"
            else:
                frame[col] = pd.Series(None, index=frame.index, dtype=object)


def _repeat_bids(frame: pd.DataFrame, reason: np.ndarray, rows: np.ndarray, notes: list, show: int = 10) -> None:
    """Note bidders with more than one valid bid in one tender (the rows are kept: it is evidence, see
    `riskmodels.collusion.tables.bid_list_facts`), naming the spreadsheet rows of the first `show` of them."""
    live = reason == None  # noqa: E711
    if "status" in frame.columns:
        st = frame["status"]
        live &= (st.isna() | (st.astype("string") == "valid")).to_numpy(dtype=bool, na_value=True)
    if "anonymous" in frame.columns:
        live &= ~(pd.to_numeric(frame["anonymous"], errors="coerce") == 1).to_numpy()
    live &= frame["tender_id"].notna().to_numpy() & frame["bidder_id"].notna().to_numpy()
    if not live.any():
        return
    key = frame.loc[live, ["tender_id", "bidder_id"]].astype(str)
    twice = key.duplicated(keep=False).to_numpy()
    if not twice.any():
        return
    k = key[twice].assign(row=rows[np.flatnonzero(live)[twice]])
    groups = k.groupby(["tender_id", "bidder_id"], sort=False)["row"].apply(lambda r: ", ".join(map(str, r)))
    listed = [f"tender {t} bidder {b}: rows {r}" for (t, b), r in groups.head(show).items()]
    more = f"; and {len(groups) - show} more" if len(groups) > show else ""
    notes.append({"table": "bids", "column": "bidder_id", "action": "kept",
                  "problem": f"a bidder bid more than once in one tender (kept, counted as evidence): "
                             f"{'; '.join(listed)}{more}", "count": int(twice.sum())})


def prepare(raw: RawTable, table: Table, settings: ValidateSettings, mapping: dict | None = None,
            known: dict | None = None) -> Prepared:
    """Typed canonical rows of one table, its rejects and notes.

    `known` maps a referenced table name to the set of its accepted key values (for `Table.references`).
    Steps: map the headers and check the required columns; read every column by its kind (ids, amounts and numbers,
    dates, flags, statuses, lists, text), rejecting rows or noting values read as missing; check references; reject
    duplicate rows; add absent optional columns; split accepted rows from rejects."""
    label = raw.label
    df = raw.frame
    df = df.rename(columns=canonical_names(list(df.columns), table, mapping or {}, label))
    missing = [c for c in table.required if c not in df.columns]
    if missing:
        raise InputError(f"{label}: missing required column '{missing[0]}' (columns are: {', '.join(map(str, df.columns))[:200]})")
    n = len(df)
    zone = _check_validate_settings(settings)
    v = _Verdicts(table.name, n)
    out = {}
    for col in df.columns:
        kind = table.kind(col) if col in table.columns else "extra"
        c = _Column(col, df[col], kind, col in table.required, _stripped(df[col]).notna().to_numpy() if kind != "extra" else None)
        if kind == "id":
            out[col] = _prepare_id(c, table, settings, v)
        elif kind in ("amount", "number", "share"):
            out[col] = _prepare_number(c, settings, v)
        elif kind in ("date", "datetime"):
            out[col] = _prepare_date(c, settings, zone, v)
        elif kind == "flag":
            out[col] = _prepare_flag(c, v)
        elif kind == "status":
            out[col] = _prepare_status(c, v)
        elif kind == "list":
            out[col] = _prepare_list(c)
        else:
            out[col] = _prepare_text(c)
    frame = pd.DataFrame(out, index=df.index)
    _check_references(frame, table, known, v)
    if settings.reject_duplicates and n:
        _reject_duplicates(df, raw.rows, v)
    if table.key and n:
        _reject_conflicting_keys(frame, table, raw.rows, v)
    if table.name == "bids" and n:
        _repeat_bids(frame, v.reason, raw.rows, v.notes)
    _add_absent_optional(frame, table)
    accepted = compact_text(frame.loc[v.live].reset_index(drop=True))
    return Prepared(accepted, v.rejects(label, raw.rows, raw.broken), v.notes, n + len(raw.broken))
