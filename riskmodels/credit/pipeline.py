"""Credit model over a canonical dataset: training table from `credit_labels`, training, and tiering every enterprise.

- `training_table(tables, settings)`: point-in-time features (`features.enterprise`) of every labelled (enterprise, as_of).
- `train_dataset(tables, settings)`: fits `CreditClassifier` (firms grouped in the inner folds, monotone where the direction
  is known) and returns it with out-of-fold metrics from its own inner folds (no extra fitting: fast enough for a city).
- `tier_dataset(model, tables, settings)`: every enterprise as of one day (default: the day after the latest record) ->
  `enterprise_id`, `tier`, `probability`, `reasons`, `override` (+ `model_tier`, `as_of`).
- `monitor_dataset(model, tables, settings, reference_as_of=...)`: the model between two dates: PSI of the score and of
  every feature, tier migration, and discrimination and calibration on the labels dated in between.

`tables` is a `features.io.dataset.Dataset` or a {name: DataFrame} mapping of prepared canonical tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features import engine
from features.engine import steps
from features.enterprise import enterprise_features, risk_directions, serious_list_entries
from features.core.errors import InputError
from features.engine.partition import rows_by_part
from features.io.kept import kept, map_parts, part_map, parts_of
from riskmodels.credit import monitor
from riskmodels.credit.evaluate import make_model
from riskmodels.credit.tiers import assign_tiers, check_policy, tier_table

ID_COLUMNS = ("enterprise_id", "as_of")
REASON_ROWS = 50_000  # rows x boosters of TreeSHAP contributions for the reasons of one tiering run


def _get(tables, name):
    if hasattr(tables, "get") and not isinstance(tables, dict):
        return tables.get(name)
    return tables.get(name) if isinstance(tables, dict) else None


def _settings(settings):
    from features.core.settings import Settings

    return settings or Settings()


FAMILIES = {"events": ("credit_events",), "inspections": ("inspections",), "bidding": ("bids", "tenders"),
            "registry": ("enterprises", "shareholders")}


def build_features(tables, queries: pd.DataFrame, *, windows, list_days, collusion_scores=None, group_members=None,
                   families: dict | None = None, list_entries=None):
    """Point-in-time features of `queries` (enterprise_id, as_of) from the dataset's tables. `families` switches
    feature families off ({"bidding": False, ...}: events, inspections, bidding, registry; all on by default)."""
    unknown = set(families or {}) - set(FAMILIES)
    if unknown:
        raise InputError(f"[features] unknown credit feature famil{'ies' if len(unknown) > 1 else 'y'} "
                         f"{', '.join(sorted(unknown))} (known: {', '.join(FAMILIES)})")
    off = {t for f, on in (families or {}).items() if not on for t in FAMILIES[f]}
    get = lambda name: None if name in off else _get(tables, name)  # noqa: E731
    bidding_on = (families or {}).get("bidding", True)
    return enterprise_features(
        queries, credit_events=get("credit_events"), inspections=get("inspections"), enterprises=get("enterprises"),
        shareholders=get("shareholders"), bids=get("bids"), tenders=get("tenders"),
        collusion_scores=collusion_scores if bidding_on else None, group_members=group_members if bidding_on else None,
        windows=windows, list_days=list_days, list_entries=list_entries)


def labelled_rows(tables) -> pd.DataFrame:
    """The `credit_labels` rows with both a label and an as_of date (`enterprise_id`, `as_of`, `label`)."""
    labels = _get(tables, "credit_labels")
    if labels is None:
        raise InputError("credit_labels: the dataset has no credit_labels table (enterprise_id, as_of, label) to train on")
    lab = labels.loc[labels["label"].notna() & labels["as_of"].notna(), ["enterprise_id", "as_of", "label"]]
    lab = lab.reset_index(drop=True)
    if lab.empty:
        raise InputError("credit_labels: no row has both a label and an as_of date")
    return lab


def training_table(tables, settings=None, *, collusion_scores=None, group_members=None,
                   families: dict | None = None, max_rows: int = 0, seed: int = 0) -> pd.DataFrame:
    """Features as of each labelled row plus its `label` (rows with a missing label or as_of are left out); with
    `max_rows`, of at most that many rows drawn as whole firms (`sample_firms`) before any feature is built (a row's
    features depend on its own firm and day only, so this is the sample of the whole table, at a fraction of the cost)."""
    s = _settings(settings)
    lab = sample_firms(labelled_rows(tables), max_rows, seed)
    spec = {"windows": s.credit.windows, "list_days": s.credit.list_days, "families": families}
    table = features_by_firm(tables, spec, lab, collusion_scores, group_members, label="credit training features")
    table["label"] = lab["label"].astype(int).to_numpy()
    return table


def feature_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in (*ID_COLUMNS, "label")]


def sample_firms(table: pd.DataFrame, max_rows: int, seed: int = 0) -> pd.DataFrame:
    """At most `max_rows` rows, drawn as whole firms in a seeded random order (0 or fewer: every row)."""
    if max_rows <= 0 or len(table) <= max_rows:
        return table
    firms = pd.unique(table["enterprise_id"])
    order = np.random.default_rng(seed).permutation(len(firms))
    sizes = table.groupby("enterprise_id", sort=False).size().reindex(firms[order]).to_numpy()
    keep = set(firms[order][np.cumsum(sizes) <= max_rows])
    return table[table["enterprise_id"].isin(keep)].reset_index(drop=True)


@dataclass
class CreditFit:
    model: object
    metrics: dict
    table: pd.DataFrame
    columns: list
    oof: np.ndarray
    params: dict = field(default_factory=dict)


def train_dataset(tables, settings=None, *, collusion_scores=None, group_members=None, params: dict | None = None,
                  families: dict | None = None, progress=None, side_inputs: dict | None = None) -> CreditFit:
    """Fit the credit model on a dataset's labels; metrics are out-of-fold on the model's inner folds (grouped by firm).

    `params` overrides the model settings (see `evaluate.make_model`). The result carries what a tracked run logs:
    model, metrics, training table, feature columns, out-of-fold probabilities (y = table["label"]) and parameters."""
    s = _settings(settings)
    check_policy(s.tiers)
    table = training_table(tables, s, collusion_scores=collusion_scores, group_members=group_members, families=families,
                           max_rows=s.credit.max_train_rows, seed=s.credit.seed)
    y = table["label"].to_numpy(int)
    if len(np.unique(y)) < 2:
        raise InputError(f"credit_labels: every label is {y[0]}; both 0 and 1 are needed to train")
    cols = feature_columns(table)
    mono = risk_directions(cols) if s.credit.monotone else None
    model = make_model(s, mono, params)
    if progress:
        progress(f"training on {len(table):,} labelled rows x {len(cols)} features")
    model.fit(table[cols], y, groups=table["enterprise_id"].to_numpy())
    model.feature_spec_ = {"windows": [int(w) for w in s.credit.windows], "list_days": int(s.credit.list_days),
                           "families": dict(families or {}),
                           "side_inputs": {k: v for k, v in (side_inputs or {}).items()
                                           if (k == "collusion_scores" and collusion_scores is not None)
                                           or (k == "groups" and group_members is not None)}}
    oof = model.oof_proba_
    metrics = monitor.discrimination(y, oof)
    tiers = assign_tiers(oof, s.tiers)
    metrics["tiers"] = tier_table(y, oof, tiers["tier"])
    metrics.update(rows=int(len(y)), bad_rate=float(y.mean()), features=len(cols), inner_auc=model.inner_auc_,
                   rounds=model.best_iteration_, candidate=model.candidate_,
                   blend_weight=getattr(model, "blend_weight_", 1.0))
    params = {"estimator": type(model).__name__, **model.get_params(), "monotone": sorted(mono or {}),
              "features": cols, **model.feature_spec_}
    return CreditFit(model=model, metrics=metrics, table=table, columns=cols, oof=oof, params=params)


def default_as_of(tables) -> pd.Timestamp:
    """The day after the latest dated record (credit events, inspections, bids), so every record counts."""
    latest = []
    for name, col in (("credit_events", "occurred_on"), ("inspections", "inspected_on"), ("bids", "submitted_at")):
        there = kept(tables, name)
        if there is not None:
            found = [m for m in map_parts(_latest, [there], col, label=f"latest {col}") if pd.notna(m)]
            if found:
                latest.append(max(found))
            continue
        t = _get(tables, name)
        if t is not None and col in t:
            m = _latest(t, col)
            if pd.notna(m):
                latest.append(m)
    if not latest:
        raise InputError("no dated credit events, inspections or bids to tier from; give --as-of")
    return (max(latest).normalize() + pd.Timedelta(days=1))


def _latest(frame: pd.DataFrame | None, col: str):
    """The latest date of `frame[col]` (NaT when none or no such column)."""
    if frame is None or col not in frame:
        return pd.NaT
    return pd.to_datetime(frame[col], errors="coerce").max()


def enterprise_ids(tables) -> np.ndarray:
    """Every enterprise of the dataset: the registry, else the firms with credit events or inspections."""
    ent = _get(tables, "enterprises")
    if ent is not None and len(ent):
        ids = pd.unique(ent["enterprise_id"].astype(str))
    else:
        parts = [t.collect(["enterprise_id"]) if t is not None else _get(tables, n)
                 for n, t in ((n, kept(tables, n)) for n in ("credit_events", "inspections"))]
        ids = pd.unique(pd.concat([p["enterprise_id"].astype(str) for p in parts if p is not None] or [pd.Series([], dtype=str)]))
    if len(ids) == 0:
        raise InputError("enterprises: no enterprise to tier")
    return ids


SIDE_FEATURES = {"collusion_scores": ("bid_collusion_",), "groups": ("in_suspicious_group", "group_size")}


def side_inputs_needed(model) -> dict:
    """Side input -> the model's columns that come from it: `collusion_scores` (tender scores of a collusion model) and
    `groups` (suspicious bidder groups). A model trained without them needs neither."""
    cols = list(getattr(model, "feature_names_in_", []))
    return {k: [c for c in cols if c.startswith(prefixes)] for k, prefixes in SIDE_FEATURES.items()
            if any(c.startswith(prefixes) for c in cols)}


def group_members_table(groups: pd.DataFrame, where: str = "groups") -> pd.DataFrame:
    """Bidder groups as long rows (`bidder_id`, `group_id`) from either shape: long (`enterprise_id` or `bidder_id`,
    `group_id`) or as `graph groups` writes them (`group_id`, `members` separated by `;`)."""
    if "group_id" not in groups.columns:
        raise InputError(f"{where}: missing column group_id")
    idcol = next((c for c in ("enterprise_id", "bidder_id") if c in groups.columns), None)
    if idcol is not None:
        out = groups[[idcol, "group_id"]].rename(columns={idcol: "bidder_id"})
    elif "members" in groups.columns:
        out = groups[["group_id", "members"]].assign(bidder_id=groups["members"].astype(str).str.split(";"))
        out = out.explode("bidder_id")[["bidder_id", "group_id"]]
    else:
        raise InputError(f"{where}: needs a members column (as 'graph groups' writes) or enterprise_id/bidder_id per row")
    out = out.astype(str).assign(bidder_id=lambda d: d["bidder_id"].str.strip())
    return out[(out["bidder_id"] != "") & (out["bidder_id"] != "nan")].reset_index(drop=True)


def model_spec(model, s) -> dict:
    """The feature settings `model` was trained with (windows, list days, families), else those of the settings `s`."""
    return getattr(model, "feature_spec_", None) or {"windows": s.credit.windows, "list_days": s.credit.list_days}


TIER_FLAGS = ("on_serious_list", "on_abnormal_list", "has_history")  # the features the tier overrides read (`_tiers`)


def _tier_block(feats: pd.DataFrame, model, tables, when, s, top: int, k: int) -> pd.DataFrame:
    """What tiering keeps of a block of firms (`features_by_firm(then=...)`): the probability, the features the
    overrides read, and the reasons in English and Chinese, written here from the model's contributions (`top` reasons,
    `k` boosters) and the block's own records (a firm's records are all in its block). The features stay here."""
    items = None
    if hasattr(model, "explain_items"):
        cols = list(getattr(model, "feature_names_in_", feature_columns(feats)))
        items = model.explain_items(feats.reindex(columns=cols), top=top, max_boosters=k)
    ids = feats["enterprise_id"].to_numpy(dtype=object)
    out = feats[["__probability", *(c for c in TIER_FLAGS if c in feats.columns)]].reset_index(drop=True)
    written = written_reasons(items, ids, tables, when, s)
    out["reasons"], out["reasons_zh"] = pd.Series(written["en"], dtype=object), pd.Series(written["zh"], dtype=object)
    return out


def _monitor_block(feats: pd.DataFrame, model, tables) -> pd.DataFrame:
    """What monitoring keeps of a block of firms: the model's inputs in its column order (a column this dataset cannot
    give is missing values, as LightGBM allows), the override features the model does not read, and the
    probability (`probability`)."""
    cols = list(getattr(model, "feature_names_in_", feature_columns(feats)))
    extra = [c for c in TIER_FLAGS if c in feats.columns and c not in cols]
    return feats.reindex(columns=[*cols, *extra]).assign(probability=feats["__probability"].to_numpy())


def _probability_block(feats: pd.DataFrame, model, tables) -> pd.DataFrame:
    """The probability alone (`__probability`) of a block of firms."""
    return feats[["__probability"]]


def _block_features(block, model, tables: dict, spec: dict, collusion_scores, group_members, list_entries,
                    then=None, then_args: tuple = ()) -> pd.DataFrame:
    """One block of firms: (their queries, their own rows of the per-firm tables) -> their point-in-time features, and
    with a `model` its probability (column `__probability`), with the tables every block shares (`tables`). `then`:
    what the caller keeps of the block, made here from (features, model, the block's tables, *then_args), so that
    the features themselves need not leave the block (`tier_dataset` keeps a few columns and the written reasons)."""
    queries, own = block
    if own:  # a few firms (a training sample) in a whole part: only their records are read
        firms = pd.unique(queries["enterprise_id"].astype(str))
        own = {name: t[t[PER_FIRM[name]].astype(str).isin(firms)].reset_index(drop=True) if len(firms) < len(t) // 10
               else t for name, t in own.items()}
    here = {**tables, **own} if own else tables
    feats = build_features(here, queries, windows=spec["windows"], list_days=spec["list_days"],
                           collusion_scores=collusion_scores, group_members=group_members, families=spec.get("families"),
                           list_entries=list_entries).reset_index(drop=True)
    if model is not None:
        cols = list(getattr(model, "feature_names_in_", feature_columns(feats)))
        feats = feats.assign(__probability=model.predict_proba(feats.reindex(columns=cols))[:, 1])
    return feats if then is None else then(feats, model, here, *then_args)


PER_FIRM = {"credit_events": "enterprise_id", "inspections": "enterprise_id", "bids": "bidder_id"}  # rows of one firm
RECORDS_PER_BLOCK = 1_000_000


def features_by_firm(tables, spec: dict, queries: pd.DataFrame, collusion_scores=None, group_members=None,
                     model=None, label: str = "credit features", eng=None, then=None, then_args: tuple = ()) -> pd.DataFrame:
    """`build_features` of `queries` per block of firms on `eng` (default: the current engine), with the one-block
    result, and with a `model` its probabilities (column `__probability`): steps of a map per block of firms
    (`_block_features`) and the order-restoring merge (rows back in the order of `queries`, categorical columns with the
    categories of the whole).

    When the engine splits the queries, each block gets its firms' queries and their own credit events, inspections and
    bids (split by the same hash of the firm id, at most about a million records a block, cut one block at a time and
    placed on a worker: the driver never holds a second copy); the registry, the tenders, the model and the
    serious-list entries of every firm (the ties look across firms) are sent to the workers once. A firm's records reach
    its block in their order in the table, and no feature reads another firm's records but the ties. One block is the
    whole tables. `then` (with `then_args`): what each block returns instead of its features (`_block_features`)."""
    eng = eng or engine.current()
    n = eng.partitions(len(queries))
    if n <= 1:
        block = _block_features((queries, {}), model, tables, spec, collusion_scores, group_members, None, then,
                                then_args)
        return block.reset_index(drop=True)
    names = {n for f in FAMILIES.values() for n in f}
    whole = {n: _get(tables, n) for n in sorted(names - set(PER_FIRM)) if _get(tables, n) is not None}
    there = {name: t for name, t in ((name, kept(tables, name)) for name in PER_FIRM) if t is not None}
    where = part_map(list(there.values())) if there else None
    if where is not None:
        return _features_by_part(tables, spec, queries, there, where, whole, model, collusion_scores, group_members,
                                 label, eng, then, then_args)
    entries = list_entries(tables)
    firms = pd.unique(queries["enterprise_id"].astype(str))
    per_firm = {}
    for name, key in PER_FIRM.items():
        t = _get(tables, name)
        if t is not None:
            if len(firms) < len(t) // 10:  # a few firms (a training sample): only their records leave the driver
                t = t[t[key].astype(str).isin(firms)]
            per_firm[name] = t
    # blocks of at most about a million own records each (a province's tiering: 26 blocks), so no task holds much
    n = max(n, -(-sum(len(t) for t in per_firm.values()) // RECORDS_PER_BLOCK))
    rows = engine.partition_rows(queries["enterprise_id"], n)
    per_firm = {name: (t, engine.partition_rows(t[PER_FIRM[name]], n)) for name, t in per_firm.items()}
    nonempty = [i for i in range(n) if len(rows[i])]  # a block no queried firm hashes to has nobody's records

    def block(k: int):  # cut when its turn comes and placed on a worker: a few blocks exist at a time, not all
        i = nonempty[k]
        return queries.iloc[rows[i]].reset_index(drop=True), {name: t.iloc[r[i]].reset_index(drop=True)
                                                                for name, (t, r) in per_firm.items()}

    by_rows = [rows[i] for i in nonempty]
    return steps.run(steps.Steps(map=_block_features, finalize=_in_query_order), steps.Made(block, len(nonempty)),
                     eng.share(model), {k: eng.share(v) for k, v in whole.items()}, spec, eng.share(collusion_scores),
                     eng.share(group_members), eng.share(entries, keep=False), then, then_args,
                     finalize_args=(by_rows,), eng=eng, label=label)


def list_entries(tables):
    """`serious_list_entries` of the dataset's credit events (None without them): read in place, part by part, when the
    events are kept on the workers."""
    there = kept(tables, "credit_events")
    if there is None:
        events = _get(tables, "credit_events")
        return serious_list_entries(events) if events is not None else None
    got = map_parts(serious_list_entries, [there], label="serious-list entries")
    if not got:
        return np.array([], dtype=object), np.array([], dtype=float)
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])


def _features_by_part(tables, spec: dict, queries: pd.DataFrame, there: dict, where: pd.Series, whole: dict, model,
                      collusion_scores, group_members, label: str, eng, then=None, then_args: tuple = ()) -> pd.DataFrame:
    """`features_by_firm` when the per-firm record tables are kept on the workers, split alike (`there`, `where`: which
    part holds each firm): block k is the queries of the firms of part k with part k of every kept table, read where it
    lies; the per-firm tables held here (bids) are cut by the same parts. Only the queries, the bids of a block and the
    features move."""
    n = next(iter(there.values())).n
    rows = rows_by_part(parts_of(queries["enterprise_id"], where, n), n)
    held = {}
    for name, key in PER_FIRM.items():
        t = None if name in there else _get(tables, name)
        if t is not None:
            held[name] = (t, rows_by_part(parts_of(t[key], where, n), n))
    nonempty = [k for k in range(n) if len(rows[k])]

    def block(j: int):  # part k's handles and the block's own cut of the tables held here
        k = nonempty[j]
        own = {name: t.parts[k] for name, t in there.items()}
        own.update({name: t.iloc[r[k]].reset_index(drop=True) for name, (t, r) in held.items()})
        return queries.iloc[rows[k]].reset_index(drop=True), own

    return steps.run(steps.Steps(map=_block_features, finalize=_in_query_order), steps.Made(block, len(nonempty)),
                     eng.share(model), {k: eng.share(v) for k, v in whole.items()}, spec, eng.share(collusion_scores),
                     eng.share(group_members), eng.share(list_entries(tables), keep=False), then, then_args,
                     finalize_args=([rows[k] for k in nonempty],), eng=eng, label=label)


def _in_query_order(blocks: list, rows: list) -> pd.DataFrame:
    """The finalize step: the blocks' rows back in the order of the queries (`rows`: each block's query positions)."""
    return steps.merge(blocks, rows=rows).reset_index(drop=True)


def _tiers(prob, feats: pd.DataFrame, s, previous=None) -> pd.DataFrame:
    """The tier policy with its hard overrides (serious list -> D, abnormal list -> at least C, no history -> B)."""
    flag = lambda col, default: feats.get(col, pd.Series(default, index=feats.index)).to_numpy()  # noqa: E731
    return assign_tiers(prob, s.tiers, serious=flag("on_serious_list", 0) > 0, abnormal=flag("on_abnormal_list", 0) > 0,
                        no_history=flag("has_history", 1) == 0, previous=previous)


def written_reasons(items, ids, tables, when, s, langs=("en", "zh")) -> dict:
    """lang -> each firm's reasons in that language: its heaviest negative records of the longest window
    (`reasons.record_facts`, always shown; counted once for every language) and then the model's (`items` from
    `model.explain_items`; None: the model gives none), windows stated as dates. `tables`: a block of firms with all
    their records, or a whole dataset held here."""
    from riskmodels.credit.reasons import facts_text, record_counts, render_items

    days = max(int(w) for w in s.credit.windows)
    counts = record_counts(_get(tables, "credit_events"), _get(tables, "inspections"), ids, when, days)
    out = {}
    for lang in langs:
        facts = facts_text(counts, when, days, lang)
        out[lang] = ([facts.get(str(e), "") for e in ids] if items is None
                     else [render_items(it, lang, when, facts.get(str(e), "")) for e, it in zip(ids, items)])
    return out


def tier_dataset(model, tables, settings=None, *, as_of=None, previous: pd.DataFrame | None = None,
                 collusion_scores=None, group_members=None, top_reasons: int | None = None, cases=None) -> pd.DataFrame:
    """Tier every enterprise of the dataset as of `as_of`: enterprise_id, tier, probability, reasons, override, ...

    `cases`: a case store (path or URL): every firm named in a current collusive verdict is tier D, its override naming
    the verdict (`collusion_facts.apply_confirmed`)."""
    s = _settings(settings)
    check_policy(s.tiers)
    ids = enterprise_ids(tables)
    when = pd.Timestamp(as_of) if as_of is not None else default_as_of(tables)
    top = s.credit.top_reasons if top_reasons is None else top_reasons
    # every fold booster for up to REASON_ROWS rows x boosters, fewer (at least one) for a city
    k = max(1, REASON_ROWS // max(1, len(ids)))
    got = features_by_firm(tables, model_spec(model, s), pd.DataFrame({"enterprise_id": ids, "as_of": when}),
                           collusion_scores, group_members, model=model, label="credit tiers and reasons",
                           then=_tier_block, then_args=(when, s, top, k))
    prob = got["__probability"].to_numpy()
    reasons = {"en": got["reasons"].tolist(), "zh": got["reasons_zh"].tolist()}
    prev = None
    if previous is not None:
        if "enterprise_id" not in previous or "tier" not in previous:
            raise InputError("previous tiers: need columns enterprise_id and tier")
        pm = (previous.assign(enterprise_id=previous["enterprise_id"].astype(str))
              .drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")["tier"].astype(str))
        prev = pd.Series(ids).map(pm)
        prev = prev.where(prev.isin(list("ABCD")))
    t = _tiers(prob, got, s, previous=None if prev is None else prev.to_numpy(object))
    del got
    out = pd.DataFrame({"enterprise_id": ids, "tier": t["tier"].to_numpy(), "probability": np.round(prob, 6),
                        "reasons": reasons["en"], "override": t["override"].to_numpy(), "model_tier": t["model_tier"].to_numpy(),
                        "as_of": when.date().isoformat(), "reasons_zh": reasons["zh"]})
    if prev is not None:
        out["previous_tier"] = prev.to_numpy(object)
    if cases is not None:
        from riskmodels.credit.collusion_facts import apply_confirmed, confirmed_collusion

        out = apply_confirmed(out, confirmed_collusion(cases))
    return out


def _clock(feature: str) -> bool:
    """Features that measure time since an event or a firm's age: they move with the calendar between any two dates, so
    their PSI says little about drift (a firm's age grows by a year in a year)."""
    return "days_since" in feature or feature == "age_days"


@dataclass
class Monitoring:
    """`monitor_dataset`'s report: `summary` (JSON-ready), PSI per variable, tier migration, and, where labels dated
    in the monitored period exist, the calibration table of the model on them."""
    summary: dict
    stability: pd.DataFrame
    migration: pd.DataFrame
    calibration: pd.DataFrame | None = None

    def write(self, folder):
        """`stability.csv`, `migration.csv`, `calibration.csv` (when there are labels) and `summary.json` in `folder`."""
        import json
        from pathlib import Path

        from features.io.export import write_table, write_text

        folder = Path(folder)
        write_table(self.stability, folder / "stability.csv")
        write_table(self.migration.rename_axis(self.migration.index.name or "tier").reset_index(), folder / "migration.csv")
        if self.calibration is not None:
            write_table(self.calibration.rename_axis("bin").reset_index(), folder / "calibration.csv")
        write_text(folder / "summary.json", json.dumps(self.summary, indent=1) + "\n")
        return folder


def monitor_dataset(model, tables, settings=None, *, reference_as_of, as_of=None, collusion_scores=None,
                    group_members=None) -> Monitoring:
    """Monitor a credit model between two dates: every enterprise is scored as of `reference_as_of` and as of `as_of`
    (default: the day after the latest record); PSI of the probability and of every model feature (reference deciles;
    < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted), tier migration (policy and overrides, no damping), and, for the
    `credit_labels` rows dated from `reference_as_of` up to `as_of` (features as of each row's date), KS, AUC, Gini,
    Brier and the calibration table. Labels the model was trained on make those figures optimistic."""
    s = _settings(settings)
    check_policy(s.tiers)
    ids = enterprise_ids(tables)
    ref = pd.Timestamp(reference_as_of)
    cur = pd.Timestamp(as_of) if as_of is not None else default_as_of(tables)
    if not ref < cur:
        raise InputError(f"--reference-as-of ({ref.date()}) must come before --as-of ({cur.date()})")
    spec = model_spec(model, s)

    def scored(queries: pd.DataFrame, then):  # the features stay in their blocks; only what `then` keeps comes back
        return features_by_firm(tables, spec, queries, collusion_scores, group_members, model=model,
                                label="credit monitoring", then=then)

    # each date: the model's inputs and the probability (for PSI), and the override features (for the tiers)
    a = scored(pd.DataFrame({"enterprise_id": ids, "as_of": ref}), _monitor_block)
    b = scored(pd.DataFrame({"enterprise_id": ids, "as_of": cur}), _monitor_block)
    ta, tb = (_tiers(f["probability"].to_numpy(), f, s)["tier"].to_numpy() for f in (a, b))
    read = getattr(model, "feature_names_in_", None)
    if read is not None:  # the override features the model does not read are no variable of its PSI
        for f in (a, b):
            f.drop(columns=[c for c in TIER_FLAGS if c in f.columns and c not in read], inplace=True)
    stab = monitor.stability(a, b, score="probability")
    del a, b
    mig = monitor.migration_matrix(ta, tb)
    feat_psi = stab[~stab["is_score"]]
    summary = {"reference_as_of": ref.date().isoformat(), "as_of": cur.date().isoformat(), "enterprises": int(len(ids)),
               "score_psi": float(stab.loc[stab["is_score"], "psi"].iloc[0]),
               "features_shifted": feat_psi.loc[feat_psi["psi"] > 0.25, "variable"].tolist(),
               "clock_features_shifted": [v for v in feat_psi.loc[feat_psi["psi"] > 0.25, "variable"] if _clock(v)],
               "features_watch": feat_psi.loc[feat_psi["psi"].between(0.1, 0.25), "variable"].tolist(),
               "tiers": {"reference": {t: int((ta == t).sum()) for t in "ABCD"},
                         "current": {t: int((tb == t).sum()) for t in "ABCD"}},
               "same_tier_share": float(np.mean(ta == tb)), "performance": None}
    labels = _get(tables, "credit_labels")
    calib = None
    if labels is not None and len(labels):
        lab = labels.loc[labels["label"].notna() & labels["as_of"].notna(), ["enterprise_id", "as_of", "label"]]
        when = pd.to_datetime(lab["as_of"], errors="coerce")
        lab = lab[(when >= ref) & (when <= cur)].reset_index(drop=True)
        y = lab["label"].astype(int).to_numpy()
        if len(np.unique(y)) == 2:
            p = scored(lab[["enterprise_id", "as_of"]], _probability_block)["__probability"].to_numpy()
            summary["performance"] = {"labels": int(len(y)), "bad_rate": float(y.mean()), **monitor.discrimination(y, p),
                                      "tiers": tier_table(y, p, assign_tiers(p, s.tiers)["tier"])}
            calib = monitor.calibration_table(y, p)
    return Monitoring(summary=summary, stability=stab.drop(columns="is_score"), migration=mig, calibration=calib)
