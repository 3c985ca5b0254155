"""Collusion models: tenders scored for bid rigging, with reasons an investigator can read.

- `tables`: the tender feature table (screens, market-relative screens, pair evidence, flags, graph features);
- `composite`: the no-model score's evidence, directions, weights and arithmetic (numpy and pandas only);
- `model`: the estimators (scikit-learn style): calibrated LightGBM tender classifier, the transparent composite
  score used without a model, the consensus score for transfer between markets;
- `evaluate`: honest splits (grouped by tender, bidders held out, time blocks) and out-of-fold predictions;
- `reasons`: feature contributions and values put in words;
- `caselist`: the ranked tender and group cases an investigator starts from;
- `pipeline`: one function per `riskmodels collusion ...` command over canonical datasets (evaluate, train, score).

Importing the package loads none of them (import the module you need), so that a light command does not pay for the
modelling libraries.
"""
