"""`credit evaluate`: honest cross-validated metrics of the credit model on any labelled table (CSV or ARFF).

`read_labelled_table(path, target)` reads the table (CSV separated by `,`, `;`, tab or `|`; ARFF `?` and empty CSV cells
are missing; numeric and nominal columns kept as such, date text as day numbers, identifier columns left out) and maps
the target to 1 = bad: numbers as they are (the larger of two values is bad), text through a vocabulary of bad-meaning
words (bad, default, yes, true, 1, bankrupt ...), else the minority class, or `positive=` given.
`cross_validate(X, y, ...)` gives out-of-fold probabilities from stratified folds that keep duplicate rows (or a given
group) on one side (`fold_splits`), the metrics of `monitor.discrimination` and the observed bad rate per tier (tiers
from the out-of-fold probabilities under the tier policy, no overrides).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.core.errors import InputError
from riskmodels.credit import monitor
from riskmodels.credit.model import CreditClassifier
from riskmodels.credit.tiers import assign_tiers, check_policy, tier_table

BAD_WORDS = {"bad", "default", "defaulted", "yes", "y", "true", "t", "1", "1.0", "bankrupt", "bankruptcy", "positive",
             "fraud", "delinquent", "是", "违约", "坏"}


def read_arff(path: Path) -> pd.DataFrame:
    """An ARFF file as a DataFrame: numeric attributes float64 (`?` -> NaN), nominal attributes text (`?` -> missing)."""
    from scipy.io import arff

    try:
        data, meta = arff.loadarff(str(path))
    except (ValueError, NotImplementedError, arff.ParseArffError) as e:
        raise InputError(f"{path}: cannot read as ARFF ({e})") from None
    df = pd.DataFrame(data)
    for c in df.columns:
        if df[c].dtype == object:
            s = df[c].map(lambda v: v.decode("utf-8") if isinstance(v, bytes) else v)
            df[c] = s.where(s != "?", None).astype("string")
    return df


def read_table_file(path) -> pd.DataFrame:
    """A CSV (UTF-8 or GB18030; `?`, `NA` and empty cells missing) or ARFF file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".arff":
        return read_arff(path)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=enc) as fh:
                header = fh.readline()
            sep = max((",", ";", "\t", "|"), key=header.count)  # European exports often use ';'
            return pd.read_csv(path, encoding=enc, sep=sep, na_values=["?", "NA", "N/A", ""], keep_default_na=True,
                               skipinitialspace=True)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise InputError(f"{path}: cannot read as CSV ({' '.join(str(e).split())})") from None
    raise InputError(f"{path}: neither UTF-8 nor GB18030 text")


def target_to_binary(values: pd.Series, column: str, positive: str | None = None) -> tuple[np.ndarray, str]:
    """(0/1 array with 1 = bad, the value read as bad). Rows with a missing target must be dropped before."""
    if positive is not None:
        s = values.astype(str).str.strip()
        if not s.eq(str(positive)).any():
            raise InputError(f"--positive {positive!r}: no row has that value in column '{column}' "
                             f"(values: {', '.join(map(str, s.unique()[:6]))})")
        return s.eq(str(positive)).to_numpy(int), str(positive)
    uniq = pd.unique(values)
    if len(uniq) != 2:
        raise InputError(f"column '{column}' must hold exactly two classes; got {len(uniq)} "
                         f"({', '.join(map(str, uniq[:6]))})")
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().all():
        hi = num.max()
        return num.eq(hi).to_numpy(int), str(hi if hi != int(hi) else int(hi))
    s = values.astype(str).str.strip()
    bad = [u for u in pd.unique(s) if u.lower() in BAD_WORDS]
    if len(bad) == 1:
        return s.eq(bad[0]).to_numpy(int), bad[0]
    minority = s.value_counts().sort_values(kind="stable").index[0]
    return s.eq(minority).to_numpy(int), str(minority)


def read_labelled_table(path, target: str, positive: str | None = None,
                        group: str | None = None) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """(features X, target y with 1 = bad, info) from a CSV or ARFF table. `group` names a column (e.g. the firm of
    each row) that is not a feature but keeps its rows in one fold: `info["groups"]` holds it (missing: own group)."""
    df = read_table_file(path)
    for col, what in ((target, ""), (group, "--group: ")):
        if col is not None and col not in df.columns:
            raise InputError(f"{path}: {what}no column '{col}' (columns: {', '.join(map(str, df.columns[:12]))}"
                             f"{' ...' if df.shape[1] > 12 else ''})")
    if group is not None and group == target:
        raise InputError(f"--group: '{group}' is the target column")
    keep = df[target].notna()
    dropped = int((~keep).sum())
    df = df.loc[keep].reset_index(drop=True)
    if len(df) == 0:
        raise InputError(f"{path}: column '{target}' has no values")
    y, bad = target_to_binary(df[target], target, positive)
    groups = None
    if group is not None:
        g = df.pop(group)  # a row without a group is a group of its own
        groups = np.where(g.notna(), g.astype(str), [f"<row {i}>" for i in range(len(g))]).astype(object)
    X, dates, ids = prepare_columns(df.drop(columns=[target]))
    if X.shape[1] == 0:
        raise InputError(f"{path}: no feature columns besides '{target}'"
                         + (f" and identifier columns ({', '.join(ids)})" if ids else ""))
    return X, y, {"rows": int(len(df)), "dropped_missing_target": dropped, "bad_value": bad,
                  "bad_rate": float(y.mean()), "features": int(X.shape[1]), "date_columns": dates,
                  "identifier_columns": ids, "groups": groups}


def prepare_columns(X: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(X ready for the model, text columns read as dates, columns left out as identifiers). A text column whose
    values are (90%+) dates becomes days since 1970-01-01, so that time can split; a text column with a different value
    in every row (20+ rows: an id, a name) carries no pattern a model can reuse and is left out."""
    X, dates, ids = X.copy(), [], []
    for c in list(X.columns):
        s = X[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype):
            continue
        vals = s.dropna().astype(str)
        if len(vals) == 0:
            continue
        if vals.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", regex=True).mean() >= 0.9:
            when = pd.to_datetime(s, errors="coerce", format="mixed")
            if when.notna().sum() >= 0.9 * len(vals):
                X[c] = (when - pd.Timestamp("1970-01-01")).dt.days.astype("float64")
                dates.append(str(c))
                continue
        if len(vals) >= 20 and vals.nunique() == len(X):
            X = X.drop(columns=[c])
            ids.append(str(c))
    return X, dates, ids


@dataclass
class Evaluation:
    metrics: dict
    oof: np.ndarray
    y: np.ndarray
    tiers: pd.DataFrame
    calibration: pd.DataFrame


def make_model(settings=None, monotone=None, params: dict | None = None) -> CreditClassifier:
    """The credit model with the `[credit]` settings. `params` (e.g. an experiment spec's [model] table) overrides them:
    CreditClassifier arguments by name, `n_estimators` as `max_rounds`, and any other key is a LightGBM parameter
    (then the one candidate: the shallow default with those keys replaced)."""
    from features.core.settings import Settings
    from riskmodels.credit.model import DEFAULT_CANDIDATES

    c = (settings or Settings()).credit
    kw = dict(learning_rate=c.learning_rate, max_rounds=c.max_rounds, inner_folds=c.inner_folds,
              calibration=c.calibration, monotone=monotone, random_state=c.seed, n_jobs=c.threads)
    lgb_params = {}
    known = set(CreditClassifier().get_params())
    for k, v in (params or {}).items():
        if k == "n_estimators":
            kw["max_rounds"] = v
        elif k in known:
            kw[k] = v
        else:
            lgb_params[k] = v
    if lgb_params:
        kw["candidates"] = [{**DEFAULT_CANDIDATES[0], **lgb_params}]
    return CreditClassifier(**kw)


def fold_splits(X: pd.DataFrame, y, k: int, seed: int, groups=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs of stratified k-fold CV that cannot leak a row into its own test fold: with `groups`
    (e.g. the firm of each row) a group stays in one fold (`StratifiedGroupKFold`); without, rows identical in every
    feature (the Polish file has 82 such duplicates) are moved into the fold of their first occurrence, so that a
    duplicate is never scored by a model that learned its twin. Tables without duplicates get plain `StratifiedKFold`."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(y)
    if groups is not None:
        n_groups = pd.Series(np.asarray(groups)).nunique()
        if n_groups < k:
            raise InputError(f"--group: {n_groups} group(s) cannot fill {k} folds")
        return list(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(X, y, np.asarray(groups)))
    fold = np.empty(len(y), dtype=int)
    for i, (_, te) in enumerate(StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y)):
        fold[te] = i
    key = _row_keys(X)
    first = pd.Series(np.arange(len(key))).groupby(key).transform("min").to_numpy()
    fold = fold[first]
    idx = np.arange(len(y))
    return [(idx[fold != i], idx[fold == i]) for i in range(k) if (fold == i).any()]


def _row_keys(X: pd.DataFrame) -> np.ndarray:
    """One hash per row of all its values (missing values included): equal rows, equal keys."""
    return pd.util.hash_pandas_object(X.reset_index(drop=True), index=False).to_numpy()


def duplicate_rows(X: pd.DataFrame) -> int:
    """Rows identical in every feature to an earlier row."""
    return int(pd.Series(_row_keys(X)).duplicated().sum())


def cross_validate(X: pd.DataFrame, y, settings=None, *, folds: int | None = None, seed: int | None = None,
                   monotone=None, progress=None, model=None, groups=None) -> Evaluation:
    """Out-of-fold probabilities from `fold_splits` (stratified k folds; `groups` or duplicate rows kept on one side)
    and the metrics on them (AUC, KS, Gini, Brier, bad rate per tier)."""
    from sklearn.base import clone

    from features.core.settings import Settings

    settings = settings or Settings()
    check_policy(settings.tiers)
    folds = int(folds or settings.credit.folds)
    seed = settings.credit.seed if seed is None else int(seed)
    y = np.asarray(y, dtype=int)
    n_min = int(np.bincount(y, minlength=2).min())
    if n_min < 2 * 2:
        raise InputError(f"too few rows of one class to cross-validate ({n_min}); need at least 4 of each")
    k = max(2, min(folds, n_min // 2))
    base = model if model is not None else make_model(settings, monotone)
    oof = np.full(len(y), np.nan)
    for i, (tr, te) in enumerate(fold_splits(X, y, k, seed, groups)):
        m = clone(base).fit(X.iloc[tr], y[tr], **({} if groups is None else {"groups": np.asarray(groups)[tr]}))
        oof[te] = m.predict_proba(X.iloc[te])[:, 1]
        if progress:
            progress(f"fold {i + 1}/{k} done")
    metrics = monitor.discrimination(y, oof)
    tiers = assign_tiers(oof, settings.tiers)
    metrics["tiers"] = tier_table(y, oof, tiers["tier"])
    metrics["folds"] = k
    metrics["rows"] = int(len(y))
    if groups is None:
        metrics["duplicate_rows"] = duplicate_rows(X)
    else:
        metrics["groups"] = int(pd.Series(np.asarray(groups)).nunique())
    return Evaluation(metrics=metrics, oof=oof, y=y, tiers=tiers, calibration=monitor.calibration_table(y, oof))
