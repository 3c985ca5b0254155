"""The credit risk estimator: LightGBM with monotone constraints, calibrated over frozen boosters, with reasons.

`CreditClassifier` is a scikit-learn classifier (`__init__` only stores arguments; validation in `fit`; learned state ends in
`_`; `fit` returns self). How it fits, in plain functions below:

1. the training rows are split into `inner_folds` stratified folds; for each candidate parameter set (`candidates`, default
   a shallow randomised one that suits small scorecard-like tables and the plain gradient-boosting default that suits
   many ratios) one booster per
   fold is grown on the other folds while its validation curve on the held-out fold is recorded (with generous early
   stopping so no time is wasted far past the optimum);
2. the candidate and number of rounds with the best validation AUC averaged over the folds are chosen (averaging over folds
   makes the choice far less noisy than one hold-out), and every fold's booster is cut to that number of rounds; with
   `blend` (default) the runner-up candidate, cut to its own best rounds, is weighed in on the log-odds scale with the
   weight (0-1 in steps of 0.1) that gives the best fold-averaged validation AUC (weight 1, no blend, when none helps);
3. each fold's model is frozen (`sklearn.frozen.FrozenEstimator`) and calibrated on its own held-out fold
   (`CalibratedClassifierCV`, sigmoid or isotonic), so calibration never sees rows the booster learned from;
4. `predict_proba` averages the calibrated fold models (a bagged ensemble that uses every row for fitting).

Reasons come from LightGBM's `pred_contrib` (exact SHAP values of the trees), averaged over the fold boosters: additive
log-odds contributions per feature; `riskmodels.credit.reasons` puts the largest in words.
"""
from __future__ import annotations

import numbers
import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

# Two candidates; the inner cross-validation picks per dataset. The first (shallow, randomised) wins on small mixed tables
# such as German credit (1,000 rows, categorical). The second is the plain gradient-boosting default that
# scikit-learn's HistGradientBoostingClassifier also uses (learning rate 0.1, 31 leaves, 20 rows per leaf, every column,
# no penalty): it suits many numeric ratios such as Polish bankruptcy (7,027 rows, 64 ratios). It replaced a slower
# variant (learning rate 0.05, 80% of the columns per tree) after a comparison on one set of outer folds (seed 0),
# confirmed on four others (docs/credit.md). A candidate's own `learning_rate` overrides the estimator's.
DEFAULT_CANDIDATES = (
    {"num_leaves": 16, "min_child_samples": 10, "colsample_bytree": 0.5, "subsample": 0.8, "subsample_freq": 1,
     "reg_lambda": 1.0, "extra_trees": True},
    {"learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20, "reg_lambda": 0.0},
)
_FIXED = {"cat_smooth": 20, "min_data_per_group": 20, "cat_l2": 10, "max_cat_to_onehot": 64, "verbose": -1}


def _as_frame(X, names=None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-dimensional; got shape {arr.shape!r}.")
    return pd.DataFrame(arr, columns=names if names is not None else [f"x{i}" for i in range(arr.shape[1])])


def prepare_frame(X: pd.DataFrame, categories: dict) -> pd.DataFrame:
    """Columns as the boosters saw them at fit: numbers as float64, categorical columns with the fit's categories
    (an unseen category becomes missing)."""
    out = {}
    for c in X.columns:
        s = X[c]
        if c in categories:
            known = pd.Index(categories[c])
            v = s.astype("string").astype(object).where(s.notna(), None)
            v = v.where(pd.Series(v).isin(known).to_numpy(), None)  # an unseen category is missing, said explicitly
            s = pd.Categorical(v, categories=known)
        else:
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        out[c] = s
    return pd.DataFrame(out, index=X.index)


def infer_categories(X: pd.DataFrame) -> dict:
    """{column: sorted categories} for every non-numeric column (text, category, boolean-as-text)."""
    cats = {}
    for c in X.columns:
        s = X[c]
        if isinstance(s.dtype, pd.CategoricalDtype) or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            vals = s.dropna().astype("string").astype(object).unique()
            cats[c] = sorted(str(v) for v in vals)
    return cats


def safe_names(names) -> list[str]:
    """Names LightGBM accepts (it rejects JSON special characters such as quotes, commas, brackets and colons); the
    position keeps them unique. The estimator shows the original names everywhere else."""
    return [f"f{i}_{re.sub(r'[^0-9A-Za-z_]+', '_', str(n))[:40]}" for i, n in enumerate(names)]


def _fold_fit(X, y, tr, va, params, max_rounds, patience, seed, n_jobs, monotone):
    """One fold's booster (rows `tr`, early stopping on rows `va`) and its validation AUC curve: one task on the engine."""
    import lightgbm as lgb

    m = lgb.LGBMClassifier(n_estimators=max_rounds, random_state=seed, n_jobs=n_jobs,
                           monotone_constraints=monotone, metric="auc", **_FIXED, **params)
    m.fit(X.iloc[tr], y[tr], eval_X=(X.iloc[va],), eval_y=(y[va],),
          callbacks=[lgb.early_stopping(patience, verbose=False)])
    return m, np.asarray(m.evals_result_["valid_0"]["auc"], dtype=float)


def _all_fold_curves(X, y, folds, candidates, max_rounds, patience, seed, n_jobs, monotone):
    """(boosters, validation AUC curves) per fold, for every candidate; each (candidate, fold) fit a separate task on the current engine
    (`features.engine`): with the same thread count each fit is the one a loop here would make."""
    from features import engine

    eng = engine.current()
    Xs, ys = eng.share(X, keep=False), eng.share(y, keep=False)
    calls = [(_fold_fit, (Xs, ys, tr, va, params, max_rounds, patience, seed + k, n_jobs, monotone), None)
             for params in candidates for k, (tr, va) in enumerate(folds)]
    fits = eng.submit_many(calls, label="credit model fits (candidate x fold)")
    n = len(folds)
    return [([f[0] for f in fits[i * n:(i + 1) * n]], [f[1] for f in fits[i * n:(i + 1) * n]])
            for i in range(len(candidates))]


def _cut(model, rounds: int):
    """The booster cut to its first `rounds` trees (persisted as such, so prediction never uses more)."""
    import lightgbm as lgb

    rounds = min(rounds, model.booster_.current_iteration())
    model._Booster = lgb.Booster(model_str=model.booster_.model_to_string(num_iteration=rounds))
    model._best_iteration = rounds
    model.set_params(n_estimators=rounds)
    return model


class _FoldBlend(ClassifierMixin, BaseEstimator):
    """One inner fold's model: the weighted sum of its candidates' raw scores (log-odds), as a probability. With one
    member of weight 1 it predicts exactly what that booster predicts; it is only ever used frozen (calibration)."""

    def __init__(self, members=()):
        self.members = members  # [(weight, fitted LGBMClassifier)]
        self.classes_ = np.array([0, 1])

    def fit(self, X=None, y=None):  # noqa: D102 - frozen: nothing to learn
        return self

    def raw(self, X) -> np.ndarray:
        return np.sum([w * m.booster_.predict(X, raw_score=True) for w, m in self.members], axis=0)

    def decision_function(self, X) -> np.ndarray:  # what the sigmoid calibration is fitted on, as for LGBMClassifier
        return self.raw(X)

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.raw(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.raw(X) >= 0).astype(int)


def _blend_weight(folds, y, z_best, z_second, grid: int = 10) -> float:
    """Weight w of the best candidate in w * best + (1 - w) * runner-up (raw scores on each inner validation fold),
    chosen like the candidate itself: by the validation AUC averaged over the folds; ties keep the best alone (w = 1)."""
    from sklearn.metrics import roc_auc_score

    best_w, best_auc = 1.0, -np.inf
    for w in np.linspace(1.0, 0.0, grid + 1):
        auc = np.mean([roc_auc_score(y[va], w * a + (1 - w) * b) for (_, va), a, b in zip(folds, z_best, z_second)])
        if auc > best_auc + 1e-12:
            best_w, best_auc = float(w), float(auc)
    return best_w


class CreditClassifier(ClassifierMixin, BaseEstimator):
    """Probability of a serious violation or default: calibrated, monotone LightGBM with per-row reasons.

    Parameters
    ----------
    candidates : list of dict or None
        LightGBM parameter sets to choose from by inner cross-validation (None: `DEFAULT_CANDIDATES`).
    learning_rate : float
        Learning rate of the candidates that do not set their own.
    max_rounds : int
        Upper bound on boosting rounds; the rounds actually used are chosen on the inner folds.
    patience : int
        Rounds without improvement of the fold's validation AUC before its booster stops growing.
    inner_folds : int
        Folds for choosing rounds, bagging and calibration.
    calibration : {"sigmoid", "isotonic", "none"}
    monotone : dict or None
        {feature: +1 or -1}: the predicted risk never falls (+1) / never rises (-1) as the feature grows.
        Features not in X are ignored (a dataset may lack a table); categorical features cannot be constrained.
    random_state : int
    n_jobs : int
        LightGBM threads (1 on a shared machine; STACK.md).
    blend : bool
        Also weigh in the runner-up candidate: each fold model becomes w * best + (1 - w) * runner-up on the log-odds
        scale, w chosen on the inner validation folds (w = 1 when blending does not help there).
    """

    def __init__(self, candidates=None, learning_rate=0.05, max_rounds=1000, patience=150, inner_folds=5,
                 calibration="sigmoid", monotone=None, random_state=0, n_jobs=1, blend=True):
        self.candidates = candidates
        self.blend = blend
        self.learning_rate = learning_rate
        self.max_rounds = max_rounds
        self.patience = patience
        self.inner_folds = inner_folds
        self.calibration = calibration
        self.monotone = monotone
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ----------------------------------------------------------------------------------------------------------- fit
    def _validate_params(self):
        for name in ("max_rounds", "patience", "inner_folds", "n_jobs"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a positive integer; got {v!r}.")
        if self.inner_folds < 2:
            raise ValueError(f"inner_folds must be at least 2; got {self.inner_folds!r}.")
        if not isinstance(self.learning_rate, numbers.Real) or not 0 < self.learning_rate <= 1:
            raise ValueError(f"learning_rate must be in (0, 1]; got {self.learning_rate!r}.")
        if self.calibration not in ("sigmoid", "isotonic", "none"):
            raise ValueError(f"calibration must be 'sigmoid', 'isotonic' or 'none'; got {self.calibration!r}.")
        if self.monotone is not None:
            if not isinstance(self.monotone, dict):
                raise TypeError(f"monotone must be a dict {{feature: +1 or -1}}; got {self.monotone!r}.")
            bad = {k: v for k, v in self.monotone.items() if v not in (-1, 0, 1)}
            if bad:
                raise ValueError(f"monotone directions must be -1, 0 or 1; got {bad!r}.")
        cands = DEFAULT_CANDIDATES if self.candidates is None else self.candidates
        if not isinstance(cands, (list, tuple)) or not cands or not all(isinstance(c, dict) for c in cands):
            raise TypeError(f"candidates must be a non-empty list of dicts of LightGBM parameters; got {self.candidates!r}.")
        return [dict(c) for c in cands]

    def fit(self, X, y, groups=None):
        """Fit on X (DataFrame or array; text / category columns are categorical) and y (two classes, the larger or
        later-sorted one = bad). `groups` (e.g. the enterprise of each row) keeps a group inside one inner fold."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.frozen import FrozenEstimator
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

        cands = self._validate_params()
        X = _as_frame(X)
        if len(X) == 0:
            raise ValueError("X has no rows; got 0 rows.")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must be 1-dimensional with one value per row of X; got shape {y.shape!r}.")
        if pd.isna(y).any():
            raise ValueError(f"y must not contain missing values; got {int(pd.isna(y).sum())} missing.")
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"y must hold exactly two classes (1 = bad); got {classes.tolist()!r}.")
        yb = (y == classes[1]).astype(int)
        self.classes_ = classes
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = X.shape[1]
        X = X.set_axis(list(self.feature_names_in_), axis=1)
        self.categories_ = infer_categories(X)
        Xp = prepare_frame(X, self.categories_)
        self.lgb_feature_names_ = safe_names(self.feature_names_in_)
        Xp.columns = self.lgb_feature_names_
        mono = self.monotone or {}
        self.monotone_constraints_ = [int(mono.get(c, 0)) if c not in self.categories_ else 0
                                      for c in self.feature_names_in_]
        n_min = int(np.bincount(yb, minlength=2).min())
        k = min(self.inner_folds, n_min)
        if k < 2:
            raise ValueError(f"y needs at least 2 rows of each class for inner cross-validation; got {n_min}.")
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != len(yb):
                raise ValueError(f"groups must have one value per row of X; got {len(groups)} for {len(yb)} rows.")
            splitter = StratifiedGroupKFold(k, shuffle=True, random_state=self.random_state)
            folds = [f for f in splitter.split(Xp, yb, groups) if len(np.unique(yb[f[1]])) == 2]
            if len(folds) < 2:
                raise ValueError("groups leave fewer than 2 inner folds holding both classes; got too few groups.")
        else:
            folds = list(StratifiedKFold(k, shuffle=True, random_state=self.random_state).split(Xp, yb))
        best, results = None, []
        grid = [{"learning_rate": self.learning_rate, **cand} for cand in cands]
        fitted = _all_fold_curves(Xp, yb, folds, grid, self.max_rounds, self.patience, self.random_state, self.n_jobs,
                                  self.monotone_constraints_)
        for i, (params, (boosters, curves)) in enumerate(zip(grid, fitted)):
            # a fold that stopped early is carried on at its last value (it had stopped improving)
            length = max(len(c) for c in curves)
            mean = np.mean([np.pad(c, (0, length - len(c)), mode="edge") for c in curves], axis=0)
            r = int(np.argmax(mean))
            results.append((float(mean[r]), i, r + 1, boosters, params))
            if best is None or mean[r] > best[0]:
                best = results[-1]
        self.inner_auc_, self.candidate_, self.best_iteration_, boosters, self.params_ = best
        self.boosters_ = [_cut(b, self.best_iteration_) for b in boosters]
        members = [[(1.0, b)] for b in self.boosters_]
        self.blend_weight_, self.blend_candidate_, self.blend_boosters_ = 1.0, None, []
        second = max((r for r in results if r is not best), key=lambda r: r[0], default=None)
        if self.blend and second is not None:
            cut2 = [_cut(b, second[2]) for b in second[3]]
            z1 = [b.booster_.predict(Xp.iloc[va], raw_score=True) for b, (_, va) in zip(self.boosters_, folds)]
            z2 = [b.booster_.predict(Xp.iloc[va], raw_score=True) for b, (_, va) in zip(cut2, folds)]
            w = _blend_weight(folds, yb, z1, z2)
            if w < 1.0:
                self.blend_weight_, self.blend_candidate_, self.blend_boosters_ = w, second[1], cut2
                members = [[(w, b1), (1.0 - w, b2)] for b1, b2 in zip(self.boosters_, cut2)]
        self.fold_models_ = [_FoldBlend(m) for m in members]
        self.calibrators_ = []
        if self.calibration != "none":
            for fm, (_, va) in zip(self.fold_models_, folds):
                cal = CalibratedClassifierCV(FrozenEstimator(fm), method=self.calibration)
                self.calibrators_.append(cal.fit(Xp.iloc[va], yb[va]))
        # held-out probability of every row from the fold model that did not learn from it (honest training metrics)
        self.oof_proba_ = np.full(len(yb), np.nan)
        for i, (_, va) in enumerate(folds):
            m = self.calibrators_[i] if self.calibrators_ else self.fold_models_[i]
            self.oof_proba_[va] = m.predict_proba(Xp.iloc[va])[:, 1]
        imp = np.mean([b.booster_.feature_importance(importance_type="gain") for b in self.boosters_], axis=0)
        self.feature_importances_ = imp / imp.sum() if imp.sum() > 0 else imp
        return self

    # ------------------------------------------------------------------------------------------------------- predict
    def _frame(self, X) -> pd.DataFrame:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "boosters_")
        X = _as_frame(X, list(self.feature_names_in_))
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks feature(s) seen in fit; got none for {missing[:5]!r}.")
        Xp = prepare_frame(X[list(self.feature_names_in_)], self.categories_)
        Xp.columns = getattr(self, "lgb_feature_names_", list(self.feature_names_in_))  # models saved before safe names
        return Xp

    def predict_proba(self, X) -> np.ndarray:
        Xp = self._frame(X)
        models = self.calibrators_ or getattr(self, "fold_models_", None) or self.boosters_
        p = np.mean([m.predict_proba(Xp)[:, 1] for m in models], axis=0)
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def contributions(self, X, max_boosters: int | None = None) -> pd.DataFrame:
        """Per row and feature, the log-odds contribution (LightGBM pred_contrib = exact TreeSHAP, mean over the fold
        boosters, and with a blend `blend_weight_` x the best candidate's + the rest x the runner-up's); column `bias`
        holds the base value. Rows sum to the fold models' mean raw score.

        `max_boosters` limits the boosters used (the first ones): TreeSHAP costs about 0.6 ms per row and booster, so
        a city of 80,000 firms takes ~50 s per booster; the fold boosters differ only by the 1/k of rows each left out,
        and one of them already ranks a row's features like the mean does."""
        Xp = self._frame(X)
        n = max_boosters or len(self.boosters_)
        w = getattr(self, "blend_weight_", 1.0)
        parts = [(w, self.boosters_[:n])] + ([(1.0 - w, self.blend_boosters_[:n])] if w < 1.0 else [])
        c = sum(wt * np.mean([b.booster_.predict(Xp, pred_contrib=True, num_threads=self.n_jobs) for b in bs], axis=0)
                for wt, bs in parts)
        return pd.DataFrame(c, columns=[*self.feature_names_in_, "bias"], index=Xp.index)

    def explain(self, X, top: int = 3, max_boosters: int | None = None, lang: str = "en", as_of=None) -> list[str]:
        """Reasons in words per row: the features that moved this row's risk most (`riskmodels.credit.reasons`)."""
        from riskmodels.credit.reasons import render_items

        return [render_items(it, lang, as_of) for it in self.explain_items(X, top, max_boosters)]

    def explain_items(self, X, top: int = 3, max_boosters: int | None = None) -> list[list[tuple]]:
        """Per row, the `top` (feature, value, contribution) behind its reasons, for rendering in any language."""
        from riskmodels.credit.reasons import reason_items

        return reason_items(self.contributions(X, max_boosters), _as_frame(X, list(self.feature_names_in_)), top=top)
