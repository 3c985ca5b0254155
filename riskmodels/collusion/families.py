"""Choosing the model family on the training data alone: `FamilySelectedClassifier`.

A labelled market may hold 100 tenders or 100,000. No single family wins everywhere: a boosted model needs rows, extra
trees on the textbook screens are the published baseline (García Rodríguez et al. 2022; Huber & Imhof 2019), and a
regularised linear model on the screens is what small samples support. `fit` runs stratified K-fold cross-validation
*inside the rows it is given* for each family, keeps the family with the best mean inner ROC-AUC (ties: the order of
`families`) and refits it on all those rows. Used inside `collusion evaluate`'s folds this is nested cross-validation:
the held-out tenders play no part in the choice. Every (family, inner fold) fit is a separate task on the current engine
(`features.engine.submit_many`); each is seeded and single-threaded, so the choice is the same on every engine.

Families (each on the columns it can use among those given):
- `lightgbm`: the calibrated `TenderCollusionClassifier` (the `lightgbm` argument) on every column;
- `extra_trees`: extra trees (300, class-balanced, leaves of at least 3 tenders) on the market-relative screens
  (`<screen>_rank`, position within market and year);
- `extra_trees_screens`: the same on the 10 raw textbook screens (n_bids and the nine of `features.evidence.screens`);
- `logistic`: L2-regularised logistic regression (C = 1, class-balanced) on the screens, each mapped to normal scores
  by its quantiles (robust to the heavy tails of kurtosis and relative distance).
Reasons: LightGBM's own contributions; for the logistic model coefficient x (value - training mean) on the log-odds
scale; for extra trees the path decomposition (each split's change of the predicted probability is credited to its
feature, averaged over the trees).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from riskmodels.collusion import reasons as _reasons

SMALL = 2000  # training rows below which the inner cross-validation is repeated (`inner_repeats`)
FAMILIES = ("lightgbm", "extra_trees", "extra_trees_screens", "logistic")
_SCREENS = ("n_bids", "cv", "spd", "diffp", "rd", "rdnor", "rdalt", "kurt", "skew", "ks")


def family_columns(family: str, columns) -> list[str]:
    """The columns a family uses among `columns` (all of them for LightGBM; empty when it has none to use)."""
    cols = list(columns)
    if family == "lightgbm":
        return cols
    ranks = [f"{s}_rank" for s in _SCREENS if f"{s}_rank" in cols]
    raw = [s for s in _SCREENS if s in cols]
    if family == "extra_trees":
        return ranks
    if family == "extra_trees_screens":
        return raw
    if family == "logistic":
        return raw or ranks
    raise ValueError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}")


def family_estimator(family: str, lightgbm=None, random_state: int = 0, n_rows: int = 1000):
    """An unfitted estimator of `family` (see the module doc); `lightgbm` is the LightGBM estimator to use."""
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    if family == "lightgbm":
        if lightgbm is None:
            from riskmodels.collusion.model import TenderCollusionClassifier

            lightgbm = TenderCollusionClassifier(random_state=random_state)
        return clone(lightgbm)
    if family in ("extra_trees", "extra_trees_screens"):
        return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                             ExtraTreesClassifier(n_estimators=300, min_samples_leaf=3, class_weight="balanced",
                                                  n_jobs=1, random_state=random_state))
    if family == "logistic":
        return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                             QuantileTransformer(n_quantiles=max(10, min(1000, n_rows)), output_distribution="normal",
                                                 random_state=random_state),
                             LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000))
    raise ValueError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}")


def _fit(est, X, y, sample_weight):
    if sample_weight is None:
        return est.fit(X, y)
    if hasattr(est, "steps"):  # a pipeline: the weight goes to its last step
        return est.fit(X, y, **{f"{est.steps[-1][0]}__sample_weight": sample_weight})
    return est.fit(X, y, sample_weight=sample_weight)


def _inner_auc(est, X, y, sample_weight, cols, train, test) -> float:
    """One inner fold of one family, a task on the current engine: `est` fitted on rows `train` of its columns, its
    ROC-AUC on rows `test`."""
    _fit(est, X.iloc[train][cols], y[train], None if sample_weight is None else sample_weight[train])
    return float(roc_auc_score(y[test], est.predict_proba(X.iloc[test][cols])[:, 1]))


def _inner_aucs(runs: list, X: pd.DataFrame, y: np.ndarray, sample_weight) -> list[float]:
    """The ROC-AUC of each (unfitted estimator, columns, training rows, test rows) of `runs`, in order: every family's
    every inner fold a separate task on the current engine (`features.engine.submit_many`), the rows sent once."""
    from features import engine

    eng = engine.current()
    Xs, ys, ws = (eng.share(v, keep=False) for v in (X, y, sample_weight))
    return eng.submit_many([(_inner_auc, (est, Xs, ys, ws, cols, tr, te), None) for est, cols, tr, te in runs],
                           label="collusion model families (family x inner fold)")


class FamilySelectedClassifier(ClassifierMixin, BaseEstimator):
    """The model family with the best inner cross-validated ROC-AUC on the training rows, refitted on all of them.

    Parameters
    ----------
    families : tuple of str
        Candidates among `FAMILIES`; a family with no column to use is skipped.
    lightgbm : estimator or None
        The LightGBM family's estimator (default `TenderCollusionClassifier()`); for the inner folds it is fitted without
        calibration (a monotone map, which leaves the ROC-AUC unchanged) to save time.
    inner_folds : int
        Folds of the inner cross-validation (fewer when a class has fewer rows).
    inner_repeats : int or None
        Repetitions of the inner cross-validation with reshuffled folds; None: 3 below `SMALL` training rows (where one
        split's AUC is noisy and cheap to repeat), else 1.
    threshold : float
        Probability at which a tender is flagged.
    """

    def __init__(self, families=FAMILIES, lightgbm=None, inner_folds=3, inner_repeats=None, threshold=0.5,
                 random_state=0):
        self.families = families
        self.lightgbm = lightgbm
        self.inner_folds = inner_folds
        self.inner_repeats = inner_repeats
        self.threshold = threshold
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, sample_weight=None):
        """Score every family by inner cross-validation on (X, y), keep the best and refit it on all rows."""
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(np.asarray(X, dtype=float), columns=[f"x{i}" for i in range(np.asarray(X).shape[1])])
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError(f"y must hold exactly two classes; got {self.classes_!r}.")
        yb = (y == self.classes_[1]).astype(int)
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown or not self.families:
            raise ValueError(f"families must be a non-empty selection of {FAMILIES}; got {self.families!r}.")
        if not (0.0 < float(self.threshold) < 1.0):
            raise ValueError(f"threshold must lie strictly between 0 and 1; got {self.threshold!r}.")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        k = min(int(self.inner_folds), int(np.bincount(yb, minlength=2).min()))
        cands = [(f, family_columns(f, X.columns)) for f in self.families]
        cands = [(f, c) for f, c in cands if c]
        scores: dict = {}
        if k >= 2 and len(cands) > 1:
            reps = self.inner_repeats or (3 if len(yb) < SMALL else 1)
            folds = [f for r in range(int(reps)) for f in StratifiedKFold(k, shuffle=True, random_state=self.random_state
                                                                          + r).split(X, yb)]
            runs = [(fam, tr, te) for fam, _ in cands for tr, te in folds
                    if np.unique(yb[tr]).size == 2 and np.unique(yb[te]).size == 2]
            aucs = _inner_aucs([(self._estimator(fam, len(tr), inner=True), dict(cands)[fam], tr, te)
                                for fam, tr, te in runs], X, yb, sw)
            for fam, _ in cands:
                got = [a for (f, _, _), a in zip(runs, aucs) if f == fam]
                scores[fam] = float(np.mean(got)) if got else float("nan")
        finite = {f: s for f, s in scores.items() if np.isfinite(s)}
        self.family_ = max(finite, key=finite.get) if finite else cands[0][0]
        self.inner_scores_ = scores
        self.inner_auc_ = finite.get(self.family_, float("nan"))
        self.columns_ = dict(cands)[self.family_]
        self.estimator_ = _fit(self._estimator(self.family_, len(yb)), X[self.columns_], yb, sw)
        if self.family_ == "logistic":  # contributions are measured from the training rows' mean
            Z = X[self.columns_].astype(float)
            for _, step in self.estimator_.steps[:-1]:
                Z = step.transform(Z)
            self._train_mean = Z.mean(axis=0)
        return self

    def _estimator(self, family, n_rows, inner=False):
        est = family_estimator(family, self.lightgbm, self.random_state, n_rows)
        if family == "lightgbm" and inner and "calibration" in est.get_params():
            est.set_params(calibration=None)
        return est

    def _frame(self, X) -> pd.DataFrame:
        check_is_fitted(self)
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(np.asarray(X, dtype=float), columns=list(self.feature_names_in_))
        missing = [c for c in self.columns_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the model's column(s) {', '.join(missing)}.")
        return X[self.columns_].astype(float)

    def predict_proba(self, X):
        """Probabilities of the chosen family, columns ordered as `classes_` (the second is 'collusive')."""
        return self.estimator_.predict_proba(self._frame(X))

    def predict(self, X):
        """The collusive class where the probability reaches `threshold`."""
        p = self.predict_proba(X)[:, 1]
        return self.classes_[(p >= float(self.threshold)).astype(int)]

    def contributions(self, X) -> pd.DataFrame:
        """Per-row, per-column contributions of the chosen family (module doc); columns = the family's columns."""
        Xf = self._frame(X)
        if self.family_ == "lightgbm":
            return self.estimator_.contributions(Xf).drop(columns="bias").reset_index(drop=True)
        *pre, last = [s for _, s in self.estimator_.steps]
        Z = Xf  # the first step was fitted on a frame (column names); the later ones on arrays
        for step in pre:
            Z = step.transform(Z)
        if self.family_ == "logistic":
            c = (Z - self._train_mean) * last.coef_[0][None, :]
        else:
            c = np.mean([_path_contributions(t, Z) for t in last.estimators_], axis=0)
        return pd.DataFrame(c, columns=self.columns_)

    def explain(self, X: pd.DataFrame, top: int = 3, reference: pd.DataFrame | None = None,
                context: pd.DataFrame | None = None, evidence: dict | None = None) -> list[str]:
        """Reasons in words per row from the chosen family's contributions (as `TenderCollusionClassifier.explain`)."""
        if self.family_ == "lightgbm":
            return self.estimator_.explain(self._frame(X), top=top, reference=reference, context=context,
                                           evidence=evidence)
        contrib = self.contributions(X)
        frame = self._frame(X).reset_index(drop=True)
        if context is not None:
            extra = [c for c in context.columns if c not in frame.columns]
            frame = pd.concat([frame, context[extra].reset_index(drop=True)], axis=1)
        return _reasons.reasons_from_contributions(contrib, frame, reference, top=top, evidence=evidence)


def _path_contributions(tree, Z: np.ndarray) -> np.ndarray:
    """Path decomposition of one fitted decision tree's class-1 probability: each split's change credited to its feature."""
    t = tree.tree_
    v = t.value[:, 0, :]
    p1 = v[:, 1] / np.maximum(v.sum(axis=1), 1e-12)
    parent = np.full(t.node_count, -1)
    for side in (t.children_left, t.children_right):
        ok = side >= 0
        parent[side[ok]] = np.flatnonzero(ok)
    has = parent >= 0
    M = np.zeros((t.node_count, Z.shape[1]))
    M[np.flatnonzero(has), t.feature[parent[has]]] = p1[has] - p1[parent[has]]
    return np.asarray(tree.decision_path(Z.astype(np.float32)) @ M)
