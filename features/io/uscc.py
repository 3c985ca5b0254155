"""Unified social credit code (统一社会信用代码, GB 32100-2015): check character, validation and generation.

An 18-character code: registration authority (1), organisation type (1), administrative division (6), organisation code (9),
check character (1), over the 31-character alphabet below (no I, O, Z, S, V). The check character makes the weighted sum
modulo 31 come out to zero."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# "Has the 18-character form": 18 characters of digits and capital letters. Such a value is checked; anything else is
# taken as some other identifier and accepted unchanged.
SHAPE = re.compile(r"^[0-9A-Z]{18}$")
_LOOKUP = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _LOOKUP[ord(_c)] = _i


def check_char(body17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(body17) != 17:
        raise ValueError(f"a code body has 17 characters; got {body17!r}.")
    try:
        s = sum(_VALUE[c] * w for c, w in zip(body17, WEIGHTS))
    except KeyError as e:
        raise ValueError(f"character {e.args[0]!r} is not in the code alphabet; got {body17!r}.") from None
    return ALPHABET[(31 - s % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, or None when it is valid or is not of the 18-character form."""
    if not isinstance(code, str) or not SHAPE.match(code):
        return None
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"unified social credit code has character {bad[0]!r} outside the GB 32100 alphabet"
    if check_char(code[:17]) != code[17]:
        return f"unified social credit code check character is {code[17]!r}, expected {check_char(code[:17])!r}"
    return None


def problems(codes: pd.Series) -> pd.Series:
    """Vectorised `problem`: a Series of reasons (None where fine), aligned with `codes`.

    Checks each distinct value once, with the weighted sum computed in numpy over the code characters."""
    values = pd.Series(pd.unique(codes.astype(object).where(codes.notna(), "")), dtype=object)
    out_u = np.full(len(values), None, dtype=object)
    shaped = values.str.fullmatch(SHAPE.pattern).fillna(False).to_numpy(dtype=bool)
    if shaped.any():
        idx = np.flatnonzero(shaped)
        raw = np.frombuffer("".join(values.iloc[idx]).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        vals = _LOOKUP[raw]
        has_bad = (vals < 0).any(axis=1)
        check = (31 - (vals[:, :17] * np.asarray(WEIGHTS)).sum(axis=1) % 31) % 31
        wrong = ~has_bad & (vals[:, 17] != check)
        for i in np.flatnonzero(has_bad | wrong):
            out_u[idx[i]] = problem(values.iloc[idx[i]])
    mapping = pd.Series(out_u, index=values.to_numpy())
    return pd.Series(mapping.reindex(codes.astype(object).where(codes.notna(), "").to_numpy()).to_numpy(),
                     index=codes.index, dtype=object)


def is_valid(code: str) -> bool:
    """True when `code` has the 18-character form and a correct check character."""
    return isinstance(code, str) and bool(SHAPE.match(code)) and problem(code) is None


def generate(rng: np.random.Generator, n: int, *, authority: str = "9", kind: str = "1", divisions=("440310",)) -> list[str]:
    """`n` distinct valid codes (enterprise registrations by default: authority 9 = market regulation, kind 1 = company),
    with administrative divisions drawn from `divisions` (440310 is Shenzhen Pingshan)."""
    out: list[str] = []
    seen: set[str] = set()
    letters = np.array(list(ALPHABET))
    while len(out) < n:
        k = n - len(out)
        div = rng.choice(np.asarray(divisions), size=k)
        org = rng.choice(letters, size=(k, 9))
        for d, o in zip(div, org):
            body = authority + kind + d + "".join(o)
            code = body + check_char(body)
            if code not in seen:
                seen.add(code)
                out.append(code)
    return out
