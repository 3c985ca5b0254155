"""Collusion estimators (scikit-learn style): a calibrated LightGBM tender model and a transparent
composite score for markets without labels.

The classes stay thin: `__init__` only stores arguments, `fit` validates and returns `self`, learned state ends in `_`.
Calibration cross-fits: the booster used for scoring and reasons is fitted on all rows, and a sigmoid (or isotonic) map
from its raw score to a probability is fitted on out-of-fold scores of `calibration_cv` boosters
(what `CalibratedClassifierCV(ensemble=False)` fits), so no rows are spent on a hold-out. The all-rows booster and the
`calibration_cv` fold boosters are separate tasks on the current engine (`features.engine.submit_many`): with one thread
per fit (`n_jobs=1`) the same model in this process or on Dask workers. `recalibrate` maps an already fitted
model onto a new market's labels through `FrozenEstimator` (the booster is left untouched).
Reasons come from LightGBM's own `pred_contrib=True` (equal to TreeSHAP values), turned into words by `riskmodels.collusion.reasons`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from riskmodels.collusion import reasons as _reasons
from riskmodels.collusion.composite import composite_score, default_direction, market_positions



def _binary_target(y) -> tuple[np.ndarray, np.ndarray]:
    """(classes, 0/1 target with 1 = the later-sorted class) of a fit's y; ValueError unless it has exactly two classes."""
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y")
    if np.unique(y).size < 2:
        raise ValueError(f"y holds one class only; a collusion model needs both classes; got {np.unique(y)!r}.")
    if y_type != "binary":
        raise ValueError(f"Only binary classification is supported (collusive or not); got target type {y_type!r}.")
    classes = np.unique(y)
    return classes, (y == classes[1]).astype(int)


def _lgbm(est, classes=None, names=None):
    from lightgbm import LGBMClassifier

    extra = {}
    if est.monotone:
        names = list(names) if names is not None else []
        extra = {"monotone_constraints": [int(est.monotone.get(n, 0)) for n in names],
                 "monotone_constraints_method": "advanced"}

    cw = est.class_weight
    if isinstance(cw, dict) and classes is not None:  # keyed by the user's labels; the booster sees 0/1
        cw = {i: cw[c] for i, c in enumerate(classes) if c in cw}

    return LGBMClassifier(
        n_estimators=est.n_estimators, learning_rate=est.learning_rate, num_leaves=est.num_leaves,
        min_child_samples=est.min_child_samples, subsample=est.subsample, subsample_freq=1 if est.subsample < 1 else 0,
        colsample_bytree=est.colsample_bytree, reg_lambda=est.reg_lambda, class_weight=cw,
        n_jobs=est.n_jobs, random_state=est.random_state, verbose=-1, **extra,
    )


def _response(model, X) -> np.ndarray:
    """The score scikit-learn's calibration reads from a fitted booster: its decision function (log-odds; LightGBM 4.7
    and later) where it has one, else its collusive-class probability."""
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return model.predict_proba(X)[:, 1]


def _fit_booster(booster, X, y, sample_weight, train=None, held_out=None):
    """One fit of a LightGBM model, a task on the current engine: a clone of `booster` fitted on rows `train` of
    X (all rows when None); with `held_out`, its scores (`_response`) for those rows instead of the fitted booster."""
    from sklearn.base import clone

    if train is None:
        return clone(booster).fit(X, y, sample_weight=sample_weight)
    m = clone(booster).fit(X[train], y[train], sample_weight=None if sample_weight is None else sample_weight[train])
    return m if held_out is None else _response(m, X[held_out])


def _cross_fitted(booster, X, y, sample_weight, splits) -> tuple:
    """(`booster` fitted on all rows, each row's score from the booster fitted without its fold): the all-rows fit and
    each fold's fit are separate tasks submitted together on the current engine (`features.engine`), the rows sent
    once. With one thread per fit (`n_jobs=1`, the default) every task makes the fit a loop here would make, so the
    pandas engine and Dask workers give the same model (what `CalibratedClassifierCV(ensemble=False)` fits)."""
    from features import engine

    eng = engine.current()
    Xs, ys, ws = (eng.share(v, keep=False) for v in (X, y, sample_weight))
    calls = [(_fit_booster, (booster, Xs, ys, ws), None)]
    calls += [(_fit_booster, (booster, Xs, ys, ws, tr, te), None) for tr, te in splits]
    fitted, *held = eng.submit_many(calls, label="collusion model fits (all rows, calibration folds)")
    scores = np.empty(len(y))
    for (_, te), s in zip(splits, held):
        scores[te] = s
    return fitted, scores


class _Score(ClassifierMixin, BaseEstimator):
    """A stand-in classifier whose score is its one input column: the calibration map is fitted on scores that are
    already out of fold."""

    def fit(self, Z, y=None, sample_weight=None):  # noqa: D102 - nothing to learn
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, Z) -> np.ndarray:
        return np.asarray(Z, dtype=np.float64)[:, 0]

    def predict(self, Z) -> np.ndarray:  # scikit-learn's cross-validation asks for one; the calibration does not use it
        return (self.decision_function(Z) > 0).astype(int)


class _ScoreCalibration:
    """A calibrated LightGBM model: its booster's score (`_response`) mapped to a probability by a sigmoid (or
    isotonic) calibration fitted on out-of-fold scores, as `CalibratedClassifierCV(ensemble=False)` maps it."""

    def __init__(self, booster, method: str):
        self.booster, self.method = booster, method

    def fit(self, scores: np.ndarray, y: np.ndarray, sample_weight=None):
        everything = np.arange(len(y))  # one "split" holding every row: the scores need no folds, they are held out already
        self.map_ = CalibratedClassifierCV(_Score(), method=self.method, cv=[(everything, everything)], ensemble=False)
        self.map_.fit(scores[:, None], y, sample_weight=sample_weight)
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.map_.predict_proba(_response(self.booster, X)[:, None])


class _LGBMCollusionClassifier(ClassifierMixin, BaseEstimator):
    """Shared body of the LightGBM models (the tender model here, the pair model of `benchmarks/pair_model.py`): a binary
    LightGBM classifier with calibrated probabilities and reasons."""

    def __init__(self, n_estimators=300, learning_rate=0.03, num_leaves=15, min_child_samples=10, subsample=0.8,
                 colsample_bytree=0.8, reg_lambda=1.0, class_weight=None, calibration="sigmoid", calibration_cv=3,
                 threshold=0.5, monotone=None, n_jobs=1, random_state=0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.class_weight = class_weight
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.threshold = threshold
        self.monotone = monotone
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def _check_params(self):
        if self.calibration not in (None, "sigmoid", "isotonic"):
            raise ValueError(f"calibration must be None, 'sigmoid' or 'isotonic'; got {self.calibration!r}.")
        if not (isinstance(self.calibration_cv, (int, np.integer)) and self.calibration_cv >= 2):
            raise ValueError(f"calibration_cv must be an integer >= 2; got {self.calibration_cv!r}.")
        if not (0.0 < float(self.threshold) < 1.0):
            raise ValueError(f"threshold must lie strictly between 0 and 1; got {self.threshold!r}.")
        if self.monotone is not None and (not isinstance(self.monotone, dict)
                                          or any(v not in (-1, 0, 1) for v in self.monotone.values())):
            raise ValueError(f"monotone must be a dict of feature name -> -1, 0 or +1; got {self.monotone!r}.")

    def fit(self, X, y, sample_weight=None):
        """Fit the booster on all rows and the probability calibration on cross-fitted scores."""
        self._check_params()
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        names = list(getattr(self, "feature_names_in_", [f"x{i}" for i in range(X.shape[1])]))
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (X.shape[0],) or not np.all(np.isfinite(sample_weight)) or (sample_weight < 0).any():
                raise ValueError(f"sample_weight must hold one finite non-negative weight per row; got shape "
                                 f"{sample_weight.shape!r}.")
            if not (sample_weight > 0).any():
                raise ValueError(f"sample_weight must not be all zero; got sum {sample_weight.sum()!r}.")
        if X.shape[0] < 2:
            raise ValueError(f"fit needs at least 2 samples; got n_samples = {X.shape[0]}.")
        self.classes_, yb = _binary_target(y)
        self.n_positive_ = int(yb.sum())
        folds = min(int(self.calibration_cv), int(np.bincount(yb, minlength=2).min()))
        booster = _lgbm(self, self.classes_, names)
        self.calibrated_ = None
        if self.calibration is not None and folds >= 2:
            splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state).split(X, yb))
            self.booster_, scores = _cross_fitted(booster, X, yb, sample_weight, splits)
            self.calibrated_ = _ScoreCalibration(self.booster_, self.calibration).fit(scores, yb, sample_weight)
        else:
            self.booster_ = booster.fit(X, yb, sample_weight=sample_weight)
        return self

    def recalibrate(self, X, y, method: str = "sigmoid"):
        """Re-map this fitted model's scores to probabilities on another market's labels (the booster is frozen)."""
        check_is_fitted(self)
        X, y = validate_data(self, X, y, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        yb = (y == self.classes_[1]).astype(int)
        self.calibrated_ = CalibratedClassifierCV(FrozenEstimator(self.booster_), method=method).fit(X, yb)
        return self

    def predict_proba(self, X):
        """Calibrated probabilities, columns ordered as `classes_` (the second is 'collusive')."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        model = self.calibrated_ if self.calibrated_ is not None else self.booster_
        return model.predict_proba(X)

    def predict(self, X):
        """The collusive class where the calibrated probability reaches `threshold`."""
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p >= self.threshold).astype(int)]

    def contributions(self, X) -> pd.DataFrame:
        """Per-row, per-feature contributions to the raw score (log-odds), plus `bias`; rows sum to the raw score."""
        check_is_fitted(self)
        Xa = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        c = self.booster_.predict(Xa, pred_contrib=True)
        names = list(getattr(self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)]))
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(c, columns=names + ["bias"], index=index)

    def explain(self, X: pd.DataFrame, top: int = 3, reference: pd.DataFrame | None = None,
                context: pd.DataFrame | None = None, evidence: dict | None = None) -> list[str]:
        """Reasons in words per row, from the features that push the score up most.

        `X` holds the model's columns; `context` (same rows) may add raw columns to word market-relative features through;
        positions are measured against `reference` (default: the rows being explained, i.e. their market); `evidence`
        (feature -> per-row texts) words a red flag by its own evidence sentence."""
        contrib = self.contributions(X)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float), columns=contrib.columns[:-1])
        if context is not None:
            extra = [c for c in context.columns if c not in frame.columns]
            frame = pd.concat([frame.reset_index(drop=True), context[extra].reset_index(drop=True)], axis=1)
            contrib = contrib.reset_index(drop=True)
        return _reasons.reasons_from_contributions(contrib.drop(columns="bias"), frame, reference, top=top,
                                                  evidence=evidence)

    @property
    def feature_importances_(self):
        check_is_fitted(self)
        return self.booster_.feature_importances_


class TenderCollusionClassifier(_LGBMCollusionClassifier):
    """Is this tender collusive? A calibrated LightGBM classifier over tender features (screens, their market-relative
    versions, red flags, graph features), with reasons from its own feature contributions.

    Parameters are LightGBM's (`n_estimators`, `learning_rate`, `num_leaves`, `min_child_samples`, `subsample`,
    `colsample_bytree`, `reg_lambda`, `class_weight`, `n_jobs`, `random_state`) plus `calibration` (None, 'sigmoid',
    'isotonic'), `calibration_cv` (folds for the cross-fitted calibration), `threshold` (probability at which a tender
    is flagged) and `monotone` (feature name -> +1/-1: the score may only rise / fall with that feature, LightGBM's
    monotone constraints; used to carry only directions that hold across markets). Missing values are allowed.
    """




class CompositeCollusionScore(BaseEstimator):
    """A transparent score for markets without labels: the mean, over the available evidence, of each feature's
    position in the market (its empirical CDF in the data the score was fitted on), oriented so that higher is more
    suspicious. Fitting on a market and scoring it ranks tenders within that market.

    Parameters
    ----------
    directions : dict or None
        feature name -> +1 (higher is suspicious), -1 (lower is suspicious) or 0 (ignored). Unlisted names take
        `default_direction` (screens by the literature, flags and graph features +1). Unnamed columns count +1.
    weights : dict or None
        feature name -> weight in the mean (default 1 each).
    flag_share : float
        share of the fitted market flagged by `predict` (the top of the ranking).
    """

    def __init__(self, directions=None, weights=None, flag_share=0.1):
        self.directions = directions
        self.weights = weights
        self.flag_share = flag_share

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags

    def fit(self, X, y=None):
        """Record each used feature's distribution in this market and the score at which the top `flag_share` starts."""
        if not (0.0 < float(self.flag_share) < 1.0):
            raise ValueError(f"flag_share must lie strictly between 0 and 1; got {self.flag_share!r}.")
        for name, d in (self.directions or {}).items():
            if d not in (-1, 0, 1):
                raise ValueError(f"directions[{name!r}] must be -1, 0 or +1; got {d!r}.")
        Xa = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        names = list(getattr(self, "feature_names_in_", [f"x{i}" for i in range(Xa.shape[1])]))
        named = hasattr(self, "feature_names_in_")
        given = dict(self.directions or {})
        dirs = np.array([given.get(n, default_direction(n) if named else 1) for n in names], dtype=float)
        w = np.array([float((self.weights or {}).get(n, 1.0)) for n in names])
        self.directions_ = dict(zip(names, dirs.astype(int)))
        self.used_ = [n for n, d in zip(names, dirs) if d != 0]
        self._dirs = dirs
        self._w = w
        self.reference_ = [np.sort(col[~np.isnan(col)]) for col in Xa.T]
        s = self._score(Xa)
        self.threshold_ = float(np.nanquantile(s, 1 - self.flag_share)) if np.isfinite(s).any() else 1.0
        return self

    def _parts(self, Xa):
        return market_positions(Xa, self.reference_, self._dirs)

    def _score(self, Xa):
        return composite_score(self._parts(Xa), self._w)

    def score_samples(self, X):
        """Composite suspicion in [0, 1] (0.5 = typical for the market); higher is more suspicious."""
        check_is_fitted(self)
        Xa = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return self._score(Xa)

    def predict(self, X):
        """1 for rows in the top `flag_share` of the fitted market's scores, else 0."""
        return (self.score_samples(X) >= self.threshold_).astype(int)

    def parts(self, X) -> pd.DataFrame:
        """Each feature's oriented market position (0-1) per row: the transparent parts of the score."""
        check_is_fitted(self)
        Xa = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        return pd.DataFrame(self._parts(Xa), columns=list(self.directions_), index=getattr(X, "index", None))

    def explain(self, X: pd.DataFrame, top: int = 3, context: pd.DataFrame | None = None,
                evidence: dict | None = None) -> list[str]:
        """Reasons in words: the features with the most suspicious market positions (above the market median)."""
        parts = self.parts(X) - 0.5
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float), columns=parts.columns)
        if context is not None:
            extra = [c for c in context.columns if c not in frame.columns]
            frame = pd.concat([frame.reset_index(drop=True), context[extra].reset_index(drop=True)], axis=1)
            parts = parts.reset_index(drop=True)
        return _reasons.reasons_from_contributions(parts, frame, None, top=top, min_contribution=0.0,
                                                  evidence=evidence)


class ConsensusCollusionScore(ClassifierMixin, CompositeCollusionScore):
    """A transfer model: the transparent composite score, with its evidence and weights learned from labelled markets.

    Each feature with a direction fixed in advance (`default_direction`: screens by the literature, flags and graph
    evidence higher = more suspicious) is kept only if, in every training market (`markets` in `fit`; one market when
    not given), its ROC-AUC in that direction exceeds 0.5 + `min_margin`: the evidence pointed the textbook way wherever
    it was labelled. Its weight is that worst-market margin. A tender's score is the weighted mean of its kept
    features' positions in the fitted distribution (0 = least, 1 = most suspicious end; for within-market ranks such as
    `cv_rank`, its position in its own market), and a sigmoid fitted on the training scores (every market and, within a
    market, both classes weighted equally) maps the score to a probability.

    What it refuses to learn is the point: a market's own quirks (n_bids means collusion in one market and competition
    in another), which is what carried the boosted models and extra trees below chance between the research markets
    (docs/evaluation.md). When no feature holds in every market it falls back to the unweighted literature composite
    (`fallback_` is True).

    Parameters
    ----------
    min_margin : float
        A feature is kept when its oriented ROC-AUC exceeds 0.5 + min_margin in every market.
    min_rows : int
        A market has a say on a feature only with at least this many non-missing rows of it, holding both classes; a
        feature needs the say of every market.
    threshold : float
        Probability at which a tender is flagged.
    """

    def __init__(self, min_margin=0.0, min_rows=30, threshold=0.5):
        self.min_margin = min_margin
        self.min_rows = min_rows
        self.threshold = threshold

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, markets=None, sample_weight=None):
        """Choose and weight the evidence on the labelled rows of each market, then fit the probability map."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        if not (0.0 <= float(self.min_margin) < 0.5):
            raise ValueError(f"min_margin must lie in [0, 0.5); got {self.min_margin!r}.")
        if int(self.min_rows) < 2:
            raise ValueError(f"min_rows must be at least 2; got {self.min_rows!r}.")
        if not (0.0 < float(self.threshold) < 1.0):
            raise ValueError(f"threshold must lie strictly between 0 and 1; got {self.threshold!r}.")
        Xa, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        self.classes_, yb = _binary_target(y)
        sw = np.ones(len(yb)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if sw.shape != yb.shape or not np.all(np.isfinite(sw)) or (sw < 0).any() or not (sw > 0).any():
            raise ValueError(f"sample_weight must hold one finite non-negative weight per row, not all zero; got shape "
                             f"{sw.shape!r}.")
        mk = np.zeros(len(yb), dtype=object) if markets is None else np.asarray(markets).astype(str)
        if mk.shape != yb.shape:
            raise ValueError(f"markets must name one market per row; got shape {mk.shape!r} for {len(yb)} rows.")
        named = hasattr(self, "feature_names_in_")
        names = list(self.feature_names_in_) if named else [f"x{i}" for i in range(Xa.shape[1])]
        literature = np.array([default_direction(n) if named else 1 for n in names], dtype=float)
        table = {}
        for j, name in enumerate(names):
            if literature[j] == 0:
                continue
            votes = {}
            for m in np.unique(mk):
                sel = (mk == m) & ~np.isnan(Xa[:, j]) & (sw > 0)
                if sel.sum() >= int(self.min_rows) and np.unique(yb[sel]).size == 2:
                    votes[str(m)] = float(roc_auc_score(yb[sel], literature[j] * Xa[sel, j], sample_weight=sw[sel]))
            table[name] = votes
        self.market_auc_ = pd.DataFrame(table, index=[str(m) for m in np.unique(mk)]).T.reindex(names)
        # a market where a feature cannot be measured has not confirmed it: every market must have its say
        worst = self.market_auc_.min(axis=1, skipna=False).to_numpy(dtype=float)
        keep = np.isfinite(worst) & (worst > 0.5 + float(self.min_margin)) & (literature != 0)
        self.fallback_ = not keep.any()
        if self.fallback_:
            dirs, w = literature, np.ones(len(names))
        else:
            dirs, w = np.where(keep, literature, 0.0), np.where(keep, worst - 0.5, 0.0)
        self._dirs, self._w = dirs, w
        self.directions_ = dict(zip(names, dirs.astype(int)))
        self.weights_ = {n: float(v) for n, v, d in zip(names, w, dirs) if d != 0}
        self.used_ = [n for n, d in zip(names, dirs) if d != 0]
        self.reference_ = [np.sort(col[~np.isnan(col)]) for col in Xa.T]
        s = self._score(Xa)
        # each market, and each class within it, weighs the same in the probability map (as in the boosted model)
        cw = np.zeros(len(yb))
        for m in np.unique(mk):
            for c in (0, 1):
                sel = (mk == m) & (yb == c)
                if sel.any() and sw[sel].sum() > 0:
                    cw[sel] = sw[sel] / sw[sel].sum()
        self.calibrator_ = LogisticRegression(C=1e6).fit(s[:, None], yb, sample_weight=cw / cw.mean())
        self.threshold_ = float(self.threshold)
        return self

    def predict_proba(self, X):
        """Probability of the collusive class (columns ordered as `classes_`) from the consensus score."""
        check_is_fitted(self)
        s = self.score_samples(X)
        return self.calibrator_.predict_proba(s[:, None])

    def predict(self, X):
        """The collusive class where the probability reaches `threshold`."""
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p >= float(self.threshold)).astype(int)]
