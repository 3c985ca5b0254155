"""Reproduce every figure of docs/evaluation.md: the collusion models on the three labelled markets of García Rodríguez et
al. (2022), the transfer between them, and the case list on synthetic cities.

    /tmp/venv/bin/python benchmarks/collusion_eval.py [--data ../shared/data/collusion] [--work DIR] [--skip-city] [--json FILE]
    /tmp/venv/bin/python benchmarks/collusion_eval.py --side-by-side   # the side-by-side table only
    /tmp/venv/bin/python benchmarks/collusion_eval.py --small-markets  # the 100-tender samples only

The research files are read from `--data` (never copied into the repository) and imported with `features.imports.garcia` into
`--work` (a temporary directory by default). Prints one line per figure and, with --json, writes them all.
Protocol (docs/evaluation.md): tenders with >= 3 valid bids, screens recomputed from raw bids, 5 folds per split, seed 0.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedShuffleSplit  # noqa: E402

from features.io.dataset import load_dataset  # noqa: E402
from features.imports.garcia import import_garcia  # noqa: E402
from riskmodels.collusion import pipeline as C  # noqa: E402
from riskmodels.collusion.evaluate import round_floats  # noqa: E402
from riskmodels.collusion.tables import model_columns  # noqa: E402
from riskmodels.collusion.model import TenderCollusionClassifier  # noqa: E402

MARKETS = {"japan": "DB_Collusion_Japan_processed.csv", "italy": "DB_Collusion_Italy_processed.csv",
           "switzerland": "DB_Collusion_Switzerland_GR_and_See-Gaster_processed.csv"}
PUBLISHED = {"japan": 0.81, "italy": 0.90, "switzerland": 0.69}
MIN_BIDS = 3


def published_protocol(table: pd.DataFrame, y: np.ndarray, seed: int = 0) -> dict:
    """The published baseline's protocol on our recomputed screens: 80/20 stratified splits x 20, extra trees (300,
    class-balanced) on the 10 screens; and the tender model on its own columns over the same splits."""
    cols = C.baseline_columns(table)
    full = model_columns(table, "full")
    et, lg = [], []
    for tr, te in StratifiedShuffleSplit(20, test_size=0.2, random_state=seed).split(table, y):
        b = C.baseline_estimator(seed).fit(table[cols].iloc[tr], y[tr])
        et.append(roc_auc_score(y[te], b.predict_proba(table[cols].iloc[te])[:, 1]))
        m = TenderCollusionClassifier(random_state=seed).fit(table[full].iloc[tr], y[tr])
        lg.append(roc_auc_score(y[te], m.predict_proba(table[full].iloc[te])[:, 1]))
    return {"extra_trees_auc": float(np.mean(et)), "extra_trees_sd": float(np.std(et)),
            "lightgbm_auc": float(np.mean(lg)), "lightgbm_sd": float(np.std(lg))}


def market_tables(dirs: dict) -> dict:
    out = {}
    for name, d in dirs.items():
        ds = load_dataset(d)
        t, y = C.labelled(C.tender_table(ds, min_bids=MIN_BIDS), name)
        out[name] = (ds, t.assign(market=name), y)
    return out


def paired_bootstrap(y, p, q, n=1000, seed=0) -> tuple[float, float]:
    """95% interval of ROC-AUC(p) - ROC-AUC(q) over bootstrap resamples of the scored tenders."""
    rng = np.random.default_rng(seed)
    d = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if len(np.unique(y[i])) == 2:
            d.append(roc_auc_score(y[i], p[i]) - roc_auc_score(y[i], q[i]))
    return float(np.quantile(d, 0.025)), float(np.quantile(d, 0.975))


def transfer_one(train: list, Tte: pd.DataFrame, yte: np.ndarray, label: str, seed: int = 0) -> dict:
    """Train on the (table, labels) markets in `train`, apply unchanged to `Tte`: `collusion train`'s default (`--method
    auto`: the method that moved better between the training markets, each held out in turn), each method on its own,
    and extra trees trained on the same markets on the 10 raw screens and on the same columns our models receive."""
    Ttr = pd.concat([t for t, _ in train], ignore_index=True)
    ytr = np.concatenate([y for _, y in train])
    check = C.transfer_check(Ttr, ytr, kind="transfer", seed=seed)
    chosen = max(check, key=lambda m: check[m]["mean"])
    p = {}
    for method in ("lightgbm", "consensus"):
        m, cols, kw = C.fit_tender_model(Ttr, ytr, kind="transfer", method=method, seed=seed)
        p[method] = m.fit(Ttr[cols], ytr, **kw).predict_proba(Tte.reindex(columns=cols).astype(float))[:, 1]
    raw = C.baseline_columns(Ttr)
    p["et_raw"] = C.baseline_estimator(seed).fit(Ttr[raw], ytr).predict_proba(Tte[raw])[:, 1]
    p["et_same"] = C.baseline_estimator(seed).fit(Ttr[cols], ytr).predict_proba(Tte.reindex(columns=cols))[:, 1]
    auc = {k: roc_auc_score(yte, v) for k, v in p.items()}
    # extra trees are random: their spread over five seeds (ours is deterministic given the data)
    spread = {name: [roc_auc_score(yte, C.baseline_estimator(s).fit(Ttr[c], ytr).predict_proba(Tte.reindex(columns=c))[:, 1])
                     for s in range(seed, seed + 5)] for name, c in (("raw", raw), ("same", cols))}
    r = {"tenders": int(len(yte)), "transfer_check": check, "chosen": chosen, "auc": auc[chosen],
         "average_precision": average_precision_score(yte, p[chosen]),
         "lightgbm_auc": auc["lightgbm"], "consensus_auc": auc["consensus"],
         "extra_trees_raw_auc": auc["et_raw"], "extra_trees_same_auc": auc["et_same"],
         "extra_trees_raw_5_seeds": spread["raw"], "extra_trees_same_5_seeds": spread["same"],
         "minus_extra_trees_raw_95": paired_bootstrap(yte, p[chosen], p["et_raw"], seed=seed),
         "minus_extra_trees_same_95": paired_bootstrap(yte, p[chosen], p["et_same"], seed=seed),
         "features": cols}
    print(f"transfer -> {label}: chosen on the training markets: {chosen} (mean held-out-market auc "
          + ", ".join(f"{k} {v['mean']:.3f}" for k, v in check.items()) + f"); auc {r['auc']:.3f} "
          f"(lightgbm {auc['lightgbm']:.3f}, consensus {auc['consensus']:.3f}); extra trees raw screens "
          f"{auc['et_raw']:.3f} (difference 95% {r['minus_extra_trees_raw_95'][0]:+.3f}..{r['minus_extra_trees_raw_95'][1]:+.3f}), "
          f"extra trees same columns {auc['et_same']:.3f} (difference 95% {r['minus_extra_trees_same_95'][0]:+.3f}.."
          f"{r['minus_extra_trees_same_95'][1]:+.3f}); extra trees over 5 seeds: raw mean {np.mean(spread['raw']):.3f} "
          f"(max {max(spread['raw']):.3f}), same columns mean {np.mean(spread['same']):.3f} (max {max(spread['same']):.3f})",
          flush=True)
    return r


def transfer_results(tables: dict, seed: int = 0) -> dict:
    """Train on two markets, apply unchanged to the third (`transfer_one`)."""
    res = {}
    for held in tables:
        _, Tte, yte = tables[held]
        train = [(t, y) for m, (_, t, y) in tables.items() if m != held]
        res[held] = {"trained_on": [x for x in tables if x != held], **transfer_one(train, Tte, yte, held, seed)}
    return res


def transfer_to_city(tables: dict, city_dir: Path, seed: int = 0) -> dict:
    """A fourth market that played no part in designing the transfer method: trained on all three research markets,
    applied to a synthetic city (tenders with >= MIN_BIDS bids, labels from its truth file)."""
    ds = load_dataset(city_dir)
    t = C.with_labels(C.tender_table(ds, min_bids=MIN_BIDS), C.read_labels(city_dir / "truth" / "tenders.csv"))
    t, y = C.labelled(t, "city")
    train = [(tb, yy) for _, tb, yy in tables.values()]
    return {"trained_on": list(tables), **transfer_one(train, t.assign(market="city"), y, f"city ({city_dir.name})", seed)}


def city_results(work: Path, scale: str = "tiny", seeds=(1, 2)) -> dict:
    """Case list on a synthetic city: the composite score (no labels) and a model trained on another city (seed)."""
    from riskmodels.simulation import simulate

    dirs = []
    for s in seeds:
        d = work / f"city-{scale}-{s}"
        if not (d / "bids.csv").exists() and not (d / "bids").exists():
            simulate(d, scale=scale, seed=s)
        dirs.append(d)
    train_dir, test_dir = dirs
    truth = pd.read_csv(test_dir / "truth" / "tenders.csv", dtype={"tender_id": str})[["tender_id", "collusive"]]

    def measure(scores: pd.DataFrame) -> dict:
        s = scores.merge(truth, on="tender_id")
        top = s.sort_values("score", ascending=False, kind="stable").head(100)
        flagged = s[s["flag"] == 1]
        return {"auc": roc_auc_score(s["collusive"], s["score"]), "precision_at_100": float(top["collusive"].mean()),
                "base_rate": float(s["collusive"].mean()), "tenders": int(len(s)), "flagged": int(len(flagged)),
                "flagged_precision": float(flagged["collusive"].mean()) if len(flagged) else None,
                "recall_of_flags": float(flagged["collusive"].sum() / max(1, s["collusive"].sum())),
                "flags_without_reasons": int((flagged["reasons"].fillna("").str.len() == 0).sum())}

    out = {"scale": scale, "train_seed": seeds[0], "test_seed": seeds[1]}
    ds_test = load_dataset(test_dir)
    t0 = time.perf_counter()
    r = C.score_dataset(ds_test, None, graph=True, flags=True)
    out["composite"] = {**measure(r["scores"]), "seconds": time.perf_counter() - t0,
                        "groups_listed": int(len(r["groups"]))}
    print(f"city composite: {out['composite']}", flush=True)
    ds_train = load_dataset(train_dir)
    lab = C.read_labels(train_dir / "truth" / "tenders.csv")
    for kind in ("full", "transfer"):
        model, _, _, info = C.train([ds_train], kind=kind, graph=True, flags=True, labels=[lab])
        t0 = time.perf_counter()
        r = C.score_dataset(ds_test, model, graph=True, flags=True)
        out[f"model_{kind}"] = {**measure(r["scores"]), "seconds": time.perf_counter() - t0,
                                "features": len(info["features"])}
        print(f"city model ({kind}): {out[f'model_{kind}']}", flush=True)
    # pair model: do these two firms belong to the same planted cartel? trained on one city, applied to the other
    from benchmarks.pair_model import PairCollusionClassifier, pair_labels, pair_model_columns, pair_table

    P1 = pair_table(ds_train)
    y1 = pair_labels(P1, pd.read_csv(train_dir / "truth" / "cartels.csv"))
    P2 = pair_table(ds_test)
    y2 = pair_labels(P2, pd.read_csv(test_dir / "truth" / "cartels.csv"))
    cols = pair_model_columns(P1)
    pm = PairCollusionClassifier().fit(P1[cols], y1)
    p = pm.predict_proba(P2.reindex(columns=cols))[:, 1]
    top = np.argsort(-p, kind="stable")[:100]
    out["pair_model"] = {"auc": roc_auc_score(y2, p), "average_precision": average_precision_score(y2, p),
                         "pairs": int(len(y2)), "cartel_pairs": int(y2.sum()), "precision_at_100": float(y2[top].mean())}
    print(f"city pair model: {out['pair_model']}", flush=True)
    return out


PUBLISHED_DIRECTIONS = {"cv": -1, "spd": -1, "kurt": +1, "diffp": +1, "rd": +1, "rdnor": +1, "rdalt": +1, "skew": -1,
                        "ks": +1}


def side_by_side(dirs: dict, seed: int = 0, folds: int = 5) -> dict:
    """Per research market (tenders with >= MIN_BIDS bids): the score without labels (`collusion score` without a model,
    graph and flags on as by default), -cv, the best single screen in its published direction, and, on the same tender
    folds, extra trees on the 10 textbook screens and our `collusion evaluate` model (family chosen by nested CV); then
    transfer: trained on the other two markets (`collusion train`'s default, and extra trees on the 10 screens) and
    applied unchanged."""
    from riskmodels.collusion import evaluate as E
    from riskmodels.collusion.families import FamilySelectedClassifier
    from riskmodels.collusion.pipeline import score_dataset

    tables = market_tables(dirs)
    out = {}
    for name, (ds, t, y) in tables.items():
        t0 = time.perf_counter()
        s = score_dataset(ds)["scores"].set_index("tender_id")["score"]
        no_model = roc_auc_score(y, s.reindex(t["tender_id"].astype(str)).to_numpy())
        single = {c: roc_auc_score(y, d * t[c].fillna(t[c].median()).to_numpy()) for c, d in PUBLISHED_DIRECTIONS.items()}
        best = max(single, key=single.get)
        cols = model_columns(t, "full")
        est = FamilySelectedClassifier(lightgbm=TenderCollusionClassifier(random_state=seed), random_state=seed)
        ev = E.evaluate(est, t[cols], y, tender_ids=t["tender_id"].to_numpy(), n_splits=folds, seed=seed,
                        baseline=C.baseline_estimator(seed), baseline_columns=C.baseline_columns(t))
        sp = ev["splits"]["tender"]
        others = [m for m in tables if m != name]
        model, _, _, info = C.train([tables[m][0] for m in others], seed=seed)
        ours_tr = roc_auc_score(y, model.predict_proba(t.reindex(columns=list(model.feature_names_in_)).astype(float))[:, 1])
        raw = C.baseline_columns(t)
        Ttr = pd.concat([tables[m][1] for m in others], ignore_index=True)
        ytr = np.concatenate([tables[m][2] for m in others])
        et_tr = roc_auc_score(y, C.baseline_estimator(seed).fit(Ttr[raw], ytr).predict_proba(t[raw])[:, 1])
        out[name] = {"tenders": int(len(y)), "no_model_auc": no_model, "minus_cv_auc": single["cv"],
                     "best_single_screen": best, "best_single_screen_auc": single[best],
                     "extra_trees_within_auc": sp["baseline_auc"], "ours_within_auc": sp["auc"],
                     "ours_within_families": sp.get("families", {}), "extra_trees_transfer_auc": et_tr,
                     "ours_transfer_auc": ours_tr, "ours_transfer_method": info["method"], "trained_on": others,
                     "seconds": time.perf_counter() - t0}
        print(f"side by side {name}: {out[name]}", flush=True)
    head = ("market", "tenders", "no-model", "-cv", "best single screen", "extra trees within", "ours within",
            "extra trees transfer", "ours transfer")
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for name, r in out.items():
        fam = ", ".join(f"{f} {k}" for f, k in r["ours_within_families"].items())
        print(f"| {name} | {r['tenders']} | {r['no_model_auc']:.3f} | {r['minus_cv_auc']:.3f} | {r['best_single_screen']} "
              f"{r['best_single_screen_auc']:.3f} | {r['extra_trees_within_auc']:.3f} | {r['ours_within_auc']:.3f} ({fam}) | "
              f"{r['extra_trees_transfer_auc']:.3f} | {r['ours_transfer_auc']:.3f} ({r['ours_transfer_method']}) |",
              flush=True)
    if out:
        print("| mean | | " + " | ".join(f"{np.mean([r[k] for r in out.values()]):.3f}" for k in (
            "no_model_auc", "minus_cv_auc")) + " | | " + " | ".join(f"{np.mean([r[k] for r in out.values()]):.3f}" for k in (
                "extra_trees_within_auc", "ours_within_auc", "extra_trees_transfer_auc", "ours_transfer_auc")) + " |",
              flush=True)
    return out


def small_markets(dirs: dict, size: int = 100, draws: int = 5, seed: int = 0) -> dict:
    """Markets as small as investigators start with: `draws` random samples of `size` tenders (3+ bids) of each research
    market; on 5 tender-grouped folds of each, our `collusion evaluate` model (family chosen inside each fold), LightGBM
    alone and extra trees on the 10 textbook screens, same folds. Mean ROC-AUC per market and over all samples."""
    from riskmodels.collusion import evaluate as E
    from riskmodels.collusion.families import FamilySelectedClassifier

    rows = []
    for name, (_, T, Y) in market_tables(dirs).items():
        for draw in range(draws):
            idx = np.random.default_rng(draw).choice(len(Y), size, replace=False)
            t, y = T.iloc[idx].reset_index(drop=True), Y[idx]
            if min(y.sum(), (1 - y).sum()) < 6:
                continue
            cols = model_columns(t, "full")
            sp = E.tender_split(y, t["tender_id"].to_numpy(), 5, seed)
            chosen: list = []
            ours = FamilySelectedClassifier(lightgbm=TenderCollusionClassifier(random_state=seed), random_state=seed)
            p = E.out_of_fold(ours, t[cols], y, sp, chosen=chosen)
            pl = E.out_of_fold(TenderCollusionClassifier(random_state=seed), t[cols], y, sp)
            pb = E.out_of_fold(C.baseline_estimator(seed), t[C.baseline_columns(t)], y, sp)
            rows.append({"market": name, "draw": draw, "collusive": int(y.sum()), "ours": roc_auc_score(y, p),
                         "lightgbm": roc_auc_score(y, pl), "extra_trees": roc_auc_score(y, pb),
                         "chosen": E.family_counts(chosen)})
            print(f"small {rows[-1]}", flush=True)
    d = pd.DataFrame(rows)
    out = {m: g[["ours", "lightgbm", "extra_trees"]].mean().to_dict() for m, g in d.groupby("market")}
    out["all"] = d[["ours", "lightgbm", "extra_trees"]].mean().to_dict()
    for m, r in out.items():
        print(f"small markets ({size} tenders x {draws}) {m}: ours {r['ours']:.3f}, lightgbm alone {r['lightgbm']:.3f}, "
              f"extra trees {r['extra_trees']:.3f}", flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "collusion"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--skip-city", action="store_true")
    ap.add_argument("--skip-markets", action="store_true")
    ap.add_argument("--evidence", action="store_true", help="also evaluate with red flags and graph features")
    ap.add_argument("--city-scale", default="tiny")
    ap.add_argument("--json", default=None)
    ap.add_argument("--side-by-side", action="store_true", help="only the per-market side-by-side table")
    ap.add_argument("--small-markets", action="store_true", help="only the 100-tender samples of each market")
    a = ap.parse_args(argv)
    work = Path(a.work or tempfile.mkdtemp(prefix="collusion-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"min_bids": MIN_BIDS, "published_baseline_auc": PUBLISHED}
    if not a.skip_markets:
        dirs = {}
        for name, f in MARKETS.items():
            src = Path(a.data) / f
            if not src.exists():
                print(f"skip {name}: {src} absent", flush=True)
                continue
            dirs[name] = work / name
            import_garcia(src, dirs[name])
        if a.small_markets:
            print(json.dumps(round_floats(small_markets(dirs))))
            return 0
        if a.side_by_side:
            results = round_floats({"side_by_side": side_by_side(dirs)})
            if a.json:
                Path(a.json).write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
            return 0
        results["side_by_side"] = side_by_side(dirs)
        tables = market_tables(dirs)
        results["markets"] = {}
        for name, (ds, table, y) in tables.items():
            t0 = time.perf_counter()
            ev = C.evaluate_dataset(ds, min_bids=MIN_BIDS, baseline=True)
            ev.pop("features")
            pub = published_protocol(table, y)
            comp_auc = results["side_by_side"][name]["no_model_auc"]  # `collusion score` without a model
            uni = {}
            for c in model_columns(table, "transfer"):  # each market-relative column alone: its direction here
                v = table[c].to_numpy(dtype=float)
                ok = ~np.isnan(v)
                if ok.sum() >= 30 and len(np.unique(y[ok])) == 2:
                    uni[c] = roc_auc_score(y[ok], v[ok])
            entry = {"cv": ev, "published_protocol": pub, "composite_auc": comp_auc, "univariate_auc": uni,
                     "seconds": time.perf_counter() - t0}
            print(f"{name} univariate auc: " + ", ".join(f"{k} {v:.2f}" for k, v in uni.items()), flush=True)
            if a.evidence:
                ev2 = C.evaluate_dataset(ds, min_bids=MIN_BIDS, graph=True, flags=True)
                ev2.pop("features")
                entry["cv_with_flags_and_graph"] = ev2
            results["markets"][name] = entry
            sp = ev["splits"]
            line = (f"{name}: tenders {ev['n_tenders']} ({ev['positive_share']:.1%} collusive); tender-grouped auc "
                    f"{ev['auc']:.3f} (extra trees same folds {sp['tender']['baseline_auc']:.3f}, published "
                    f"{PUBLISHED[name]:.2f}); bidder-held-out {sp['bidder'].get('auc') or sp['bidder'].get('skipped')}; "
                    f"time blocks {sp['time'].get('auc') or sp['time'].get('skipped')}; 80/20x20: lightgbm "
                    f"{pub['lightgbm_auc']:.3f}, extra trees {pub['extra_trees_auc']:.3f}; composite (no labels) {comp_auc:.3f}")
            if a.evidence:
                s2 = entry["cv_with_flags_and_graph"]["splits"]
                line += (f"; with flags+graph: tender {s2['tender']['auc']:.3f}, bidder "
                         f"{s2['bidder'].get('auc') or s2['bidder'].get('skipped')}")
            print(line, flush=True)
        if len(tables) == 3:
            results["transfer"] = transfer_results(tables)
    if not a.skip_city:
        results["city"] = city_results(work, a.city_scale)
        if not a.skip_markets and len(tables) == 3:
            results["transfer_to_city"] = transfer_to_city(tables, work / f"city-{a.city_scale}-2")
    results = round_floats(results)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
