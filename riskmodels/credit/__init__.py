"""Enterprise credit risk: a calibrated, monotone LightGBM model, A-D tiers with overrides and reasons, monitoring.

- `model.CreditClassifier`: the estimator (scikit-learn style) with reasons from LightGBM feature contributions;
- `tiers`: cut-offs by probability or target shares, hard overrides, damping against the previous tiers;
- `monitor`: KS, AUC, Gini, Brier, calibration table, PSI, tier migration;
- `evaluate`: cross-validated evaluation on any labelled CSV / ARFF table;
- `pipeline`: training table from `credit_labels`, `train_dataset`, `tier_dataset` over canonical datasets.
"""
from riskmodels.credit.model import CreditClassifier
from riskmodels.credit.pipeline import CreditFit, default_as_of, tier_dataset, train_dataset, training_table

__all__ = ["CreditClassifier", "CreditFit", "default_as_of", "tier_dataset", "train_dataset", "training_table"]
