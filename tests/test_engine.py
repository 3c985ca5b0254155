"""The engine switch (`features.engine.engine`; hash partitions: tests/features/engine/test_partition.py): the pandas engine, the settings and options that choose an
engine, `data partition`, and the tiny city through pandas and through a local Dask cluster (also one so short of memory
that it spills to disk) with the same screens, bidder pairs, credit tiers and collusion probabilities."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features import engine
from features.engine import steps
from features.core.settings import EngineSettings, Settings


def test_pandas_engine_runs_the_calls_in_process():
    from features.engine.engine import PandasEngine

    e = PandasEngine()
    assert engine.PandasEngine is PandasEngine and engine.current().name == "pandas"
    assert e.partitions(10**9) == 1 and not e.parallel
    assert e.map(lambda p, k: p * k, [1, 2, 3], 10) == [10, 20, 30]
    assert e.tree_reduce(sum, list(range(20)), split_every=3) == sum(range(20))
    assert e.map_reduce(lambda p: p + 1, [1, 2, 3], sum) == 9
    assert e.submit_many([(max, (1, 5), {}), (min, (1, 5), None)]) == [5, 1]
    frame = pd.DataFrame({"k": list("abcab"), "v": range(5)})
    out = steps.map_rows(lambda p: p.assign(w=p["v"] * 2), frame, "k", eng=e)
    assert out["w"].tolist() == [0, 2, 4, 6, 8]
    # a shuffle: every key's rows of every partition meet in one bucket
    parts = engine.split_frame(pd.DataFrame({"w": list("abcabcaddd"), "n": range(10)}), "n", 3)
    counts, sizes = e.shuffle(_split_words, parts, _count_words, 2, combine_args=(10,))
    merged = pd.concat(counts).sort_index()
    assert merged.to_dict() == {"a": 30, "b": 20, "c": 20, "d": 30} and sizes == [len(p) for p in parts]


def _shuffled_in_turn(e) -> None:
    """A shuffle over partitions made in turn gives what the same shuffle over the list gives, every part cut once."""
    frame = pd.DataFrame({"w": list("abcabcaddd"), "n": range(10)})
    parts = engine.split_frame(frame, "n", 3)
    made = []

    def make(i):
        made.append(i)
        return parts[i]

    expected = e.shuffle(_split_words, parts, _count_words, 2, combine_args=(10,))
    counts, sizes = e.shuffle(_split_words, steps.Made(make, 3), _count_words, 2, combine_args=(10,))
    assert sorted(made) == [0, 1, 2] and sizes == expected[1]
    assert pd.concat(counts).sort_index().to_dict() == pd.concat(expected[0]).sort_index().to_dict()
    # a whole stage: the pair evidence of `made_split` partitions equals the one of the table split at once
    split = steps.made_split("n", frame, None, eng=e)
    assert split.n == e.partitions(len(frame)) and all(p[1] is None for p in map(split.make, range(split.n)))
    assert sum(len(split.make(i)[0]) for i in range(split.n)) == len(frame)


def test_a_shuffle_takes_partitions_made_in_turn():
    _shuffled_in_turn(engine.PandasEngine())


def _split_words(part, buckets):
    return engine.split_frame(part, "w", buckets), len(part)


def _count_words(pieces, scale):
    return pd.concat(pieces)["w"].value_counts() * scale


def test_engine_settings_are_checked(cli, tmp_path):
    assert Settings().engine.name == "pandas"  # the default: one process, as before
    for bad, msg in ((EngineSettings(name="spark"), "must be one of pandas, dask"),
                     (EngineSettings(workers=2), "need --engine dask"),
                     (EngineSettings(name="dask", memory_per_worker="lots"), "memory-per-worker.*must be a size"),
                     (EngineSettings(name="dask", memory_per_worker="1KiB"), "must be at least 256MiB"),
                     (EngineSettings(name="dask", scheduler="tcp://x:1", workers=2), "sized where they are started")):
        with pytest.raises(Exception, match=msg):
            engine.check(bad)
    (tmp_path / "riskmodels.toml").write_text("[engine]\nname = \"dask\"\nthreads = 4\n", encoding="utf-8")
    cli("--settings", tmp_path / "riskmodels.toml", "collusion", "screens", tmp_path, "--out", tmp_path / "s.csv",
        code=2, err="unknown key 'threads' in [engine]")
    cli("--engine", "spark", "collusion", "screens", tmp_path, "--out", tmp_path / "s.csv", code=2, err="got 'spark'")
    cli("--workers", "2", "collusion", "screens", tmp_path, "--out", tmp_path / "s.csv", code=2, err="need --engine dask")
    assert "[engine]" in cli("init", tmp_path / "r.toml").stderr + (tmp_path / "r.toml").read_text()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from riskmodels.simulation import simulate

    d = tmp_path_factory.mktemp("city")
    s = Settings()
    s.simulate.enterprises, s.simulate.tenders, s.simulate.cartels = 800, 400, 6  # a smaller tiny city: quick tests
    simulate(d, scale="tiny", seed=7, settings=s)
    return d


@pytest.mark.slow
def test_data_partition_gives_the_same_validation(cli, city, tmp_path):
    import json

    out = tmp_path / "parts"
    cli("data", "partition", city, "--out", out, "--partitions", 3, err="rows in 3 part(s) by tender_id")
    assert sorted(p.name for p in (out / "bids").iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    a = json.loads(cli("data", "validate", city, "--json").stdout.strip().splitlines()[-1])
    b = json.loads(cli("data", "validate", out, "--json").stdout.strip().splitlines()[-1])
    assert a == b and a["tables"]["bids"]["read"] > 0
    # a tender's bids and its items lie in the part of its tender row
    t = [set(pd.read_parquet(p)["tender_id"]) for p in sorted((out / "tenders").iterdir())]
    for k, p in enumerate(sorted((out / "bids").iterdir())):
        assert set(pd.read_parquet(p)["tender_id"]) <= t[k]
    assert (out / "truth" / "cartels.csv").exists() and json.loads((out / "partitions.json").read_text())["partitions"] == 3
    cli("data", "partition", city, "--out", out, code=2, err="already exists")
    cli("data", "partition", city, "--out", out, "--partitions", 2, "--force")
    assert len(list((out / "bids").iterdir())) == 2


def _outputs(ds, settings, model):
    from features.evidence.pairs import pair_evidence
    from features.evidence.screens import screens_with_settings
    from riskmodels.credit.pipeline import tier_dataset, training_table

    from riskmodels.collusion.tables import pair_aggregates

    bids = ds.get("bids")
    n, pairs = pair_evidence(bids, ds.get("bid_items"), settings)
    return {"screens": screens_with_settings(bids, ds.get("tenders"), settings), "pairs": pairs, "n_pairs": n,
            "pair_table": pair_aggregates(bids),
            "tiers": tier_dataset(model, ds, settings), "train": training_table(ds, settings, max_rows=2000, seed=1)}


def _same(a: dict, b: dict) -> None:
    assert a["n_pairs"] == b["n_pairs"]
    assert {"rd_rank", "rd_dm", "market_n"} <= set(a["screens"].columns)  # ranked per market-year on the engine too
    pd.testing.assert_frame_equal(a["screens"], b["screens"])
    pd.testing.assert_frame_equal(a["pairs"], b["pairs"], check_exact=False, rtol=1e-12)  # ids: the same categories
    pd.testing.assert_frame_equal(a["pair_table"], b["pair_table"])  # per tender, where the pairs of bids were made
    assert a["pair_table"]["pair_share_meta"].notna().all()
    pd.testing.assert_frame_equal(a["tiers"], b["tiers"])
    pd.testing.assert_frame_equal(a["train"], b["train"])


@pytest.fixture(scope="module")
def fitted(city):
    from features.io.dataset import load_dataset
    from riskmodels.credit.pipeline import train_dataset

    s = Settings()
    s.credit.max_rounds, s.credit.inner_folds, s.credit.max_train_rows = 60, 2, 3000
    ds = load_dataset(city, s)
    model = train_dataset(ds, s).model
    return ds, s, model, _outputs(ds, s, model)


@pytest.fixture(scope="module")
def short_of_memory(tmp_path_factory):
    """A local cluster of two workers of 400 MiB each that move every result to disk as soon as they hold it (the worker
    process alone is above the spill threshold), and neither pause nor get restarted."""
    import dask
    import distributed  # noqa: F401 - its config defaults must exist before the block below (its exit restores them)

    with dask.config.set({"distributed.worker.memory.target": 0.01, "distributed.worker.memory.spill": 0.05,
                          "distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": False,
                          "temporary-directory": str(tmp_path_factory.mktemp("spill"))}):
        e = engine.start(EngineSettings(name="dask", workers=2, memory_per_worker="400MiB", partitions=6))
    yield e
    e.close()


@pytest.mark.slow
def test_the_tiny_city_through_dask_workers_that_spill_gives_the_same_results(fitted, short_of_memory):
    ds, s, model, expected = fitted
    e = short_of_memory
    assert e.parallel and e.workers == 2 and e.partitions(len(ds.get("bids"))) == 6
    with engine.using(e):
        got = _outputs(ds, s, model)
        from riskmodels.collusion.pipeline import probabilities
        from sklearn.linear_model import LogisticRegression

        X = got["screens"][["n_bids"]].astype(float)
        lr = LogisticRegression().fit(X, (X["n_bids"] > 5).astype(int))
        assert np.array_equal(probabilities(lr, X), lr.predict_proba(X)[:, 1])
    _same(expected, got)
    # the tasks ran on the workers, which spilled their results to disk
    assert e.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter) > 50
    spilled = e.client.run(lambda dask_worker: dask_worker.data.spilled_total.disk)
    assert sum(spilled.values()) > 0, spilled


def test_a_shuffle_on_workers_takes_partitions_made_in_turn(short_of_memory):
    _shuffled_in_turn(short_of_memory)


@pytest.mark.slow
def test_credit_model_fits_as_tasks_give_the_same_model(short_of_memory):
    from riskmodels.credit.model import CreditClassifier

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(600, 5)), columns=list("abcde"))
    y = (X["a"] + rng.normal(size=600) > 0.8).astype(int)
    kw = dict(max_rounds=40, patience=10, inner_folds=3, n_jobs=1)
    here = CreditClassifier(**kw).fit(X, y)
    with engine.using(short_of_memory):  # every (candidate, fold) booster grown as its own task on a worker
        there = CreditClassifier(**kw).fit(X, y)
    assert np.array_equal(here.oof_proba_, there.oof_proba_) and here.best_iteration_ == there.best_iteration_
    assert np.array_equal(here.predict_proba(X), there.predict_proba(X))


@pytest.mark.slow
def test_relations_shuffled_by_value_on_workers_give_the_pandas_table(short_of_memory):
    from graphs import relations
    from tests.graphs.test_relations import MAX_FIRMS, related_world

    ent, sh, bids, firms = related_world()
    for restrict in (firms, None):
        here, skipped_here = relations.relation_pairs(ent, sh, bids, max_firms=MAX_FIRMS, firms=restrict)
        with engine.using(short_of_memory):  # 6 partitions of firms / bidders, 6 buckets of values on two workers
            there, skipped_there = relations.relation_pairs(ent, sh, bids, max_firms=MAX_FIRMS, firms=restrict)
        pd.testing.assert_frame_equal(here, there)
        assert skipped_here == skipped_there and skipped_here["file_creator"] >= 1
        assert len(here) > 50


@pytest.mark.slow
def test_validation_per_partition_keeps_the_rejects_and_counts(city, short_of_memory, tmp_path):
    import shutil

    from features.io.dataset import load_dataset

    dirty = tmp_path / "dirty"
    shutil.copytree(city, dirty)
    b = pd.read_csv(dirty / "bids.csv", dtype=str, keep_default_na=False)
    b.loc[5, "price"], b.loc[9, "price"], b.loc[20, "tender_id"], b.loc[40, "submitted_at"] = "abc", "99999999", "NOPE", "x"
    pd.concat([b, b.iloc[[3, 100]]], ignore_index=True).to_csv(dirty / "bids.csv", index=False)
    ev = pd.read_csv(dirty / "credit_events.csv", dtype=str, keep_default_na=False)
    ev.loc[7, "occurred_on"], ev.loc[30, "enterprise_id"] = "not a date", ""
    pd.concat([ev, ev.iloc[[11]]], ignore_index=True).to_csv(dirty / "credit_events.csv", index=False)
    s = Settings()
    one = load_dataset(dirty, s)
    with engine.using(short_of_memory):
        parts = load_dataset(dirty, s)
    assert one.counts["bids"]["rejected"] == 5 and one.report() == parts.report()
    assert one.counts["credit_events"]["rejected"] >= 2
    pd.testing.assert_frame_equal(one.rejects, parts.rejects)
    # the per-firm record tables stay on the workers; brought here they are the one-pass tables
    assert set(parts.kept_tables) == {"credit_events", "inspections"} and not set(parts.tables) & set(parts.kept_tables)
    for name, table in one.tables.items():
        pd.testing.assert_frame_equal(table, parts.get(name), obj=name)


@pytest.mark.slow
def test_parquet_parts_are_read_and_prepared_by_the_workers(city, short_of_memory, tmp_path):
    """A folder of Parquet parts is read part by part on the workers: the same tables, rejects (with their row numbers
    through the folder) and report as one whole-folder read, also when the parts do not follow the key (then the folder
    is read whole, so that duplicate rows in two parts are still found)."""
    import shutil

    from features.io.dataset import load_dataset
    from features.io.split import partition_dataset
    from features.io.partitioned import prepare_parts
    from features.io.schema import TABLES

    dirty = tmp_path / "dirty"
    shutil.copytree(city, dirty)
    b = pd.read_csv(dirty / "bids.csv", dtype=str, keep_default_na=False)
    b.loc[5, "price"], b.loc[20, "tender_id"] = "abc", "NOPE"
    pd.concat([b, b.iloc[[3, 100]]], ignore_index=True).to_csv(dirty / "bids.csv", index=False)
    parts = tmp_path / "parts"
    partition_dataset(dirty, parts, partitions=3)
    # parts cut by row, not by key: a duplicate of row 2 lies in another part
    whole = pd.read_csv(dirty / "credit_events.csv", dtype=str, keep_default_na=False)
    whole = pd.concat([whole, whole.iloc[[0]]], ignore_index=True)
    shutil.rmtree(parts / "credit_events")
    (parts / "credit_events").mkdir()
    for k, chunk in enumerate(np.array_split(np.arange(len(whole)), 3)):
        whole.iloc[chunk].to_parquet(parts / "credit_events" / f"part-{k:05d}.parquet", index=False)
    s = Settings()
    one = load_dataset(parts, s)
    with engine.using(short_of_memory):
        assert prepare_parts(parts / "bids", TABLES["bids"], s.validate) is not None
        assert prepare_parts(parts / "credit_events", TABLES["credit_events"], s.validate) is None
        there = load_dataset(parts, s)
    assert one.counts["bids"]["rejected"] == 4 and one.counts["credit_events"]["rejected"] == 1
    assert one.report() == there.report()
    pd.testing.assert_frame_equal(one.rejects, there.rejects)
    for name, table in one.tables.items():
        pd.testing.assert_frame_equal(table, there.get(name), obj=name)
    # both record tables stay on the workers, but no longer split alike: their firms are not in the same parts
    from features.io.kept import part_map

    assert set(there.kept_tables) == {"credit_events", "inspections"}
    assert [t.n for t in there.kept_tables.values()] == [6, 3]
    assert part_map(list(there.kept_tables.values())) is None


@pytest.mark.slow
def test_bidder_groups_are_the_same_on_dask_with_components_as_tasks(city, short_of_memory, monkeypatch):
    """Co-bidding pairs by a shuffle on the pair and communities per connected component: the small city's components
    spread over many tasks on the workers give the pairs, groups (members, scores) and per-bidder features of one
    in-process run."""
    from features.io.dataset import load_dataset
    from graphs import components
    from graphs.pipeline import analyse
    from graphs.tables import bidder_features

    ds = load_dataset(city, Settings(), tables=["bids", "tenders", "enterprises", "shareholders"])
    here, bg, _ = analyse(ds)
    ids, a, b, w = bg.arrays()
    pos = w > 0
    work = components.pieces(ids, a[pos], b[pos], w[pos])
    assert len(work) >= 3  # several components that need an algorithm
    monkeypatch.setattr(components, "BATCH_EDGES", 200)  # a task per big component, the small ones a few per task
    assert len(components.batches(work)) >= 3
    with engine.using(short_of_memory):
        there, bg2, _ = analyse(ds)
    assert len(here) > 5 and here["members"].tolist() == there["members"].tolist()
    pd.testing.assert_frame_equal(here, there, check_exact=False, rtol=1e-9)
    # the co-bidding pairs came from the shuffle on the bidder pair: the one-pass table
    pd.testing.assert_frame_equal(bg.pairs, bg2.pairs, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(bidder_features(bg, here), bidder_features(bg2, there), check_exact=False, rtol=1e-9)


def test_map_made_cuts_parts_in_turn_and_keeps_the_order():
    events = []

    def make(i):
        events.append(f"cut {i}")
        return i * 10

    def fn(p, k):
        events.append(f"ran {p // 10}")
        return p + k

    assert engine.PandasEngine().map_made(fn, make, 3, 1) == [1, 11, 21]
    assert events == ["cut 0", "ran 0", "cut 1", "ran 1", "cut 2", "ran 2"]  # a part is cut only when its turn comes


def _collusion_fits():
    """Collusion training and evaluation on a tiny market, every fit a task on the current engine: the calibrated
    tender model's probabilities, a cross-fit (folds and the final fit in one batch) of the family choice, the
    evaluation's splits and the transfer check."""
    from sklearn.base import clone

    from riskmodels.collusion import evaluate as E
    from riskmodels.collusion.families import FamilySelectedClassifier
    from riskmodels.collusion.model import TenderCollusionClassifier
    from riskmodels.collusion.pipeline import transfer_check

    rng = np.random.default_rng(5)
    n = 240
    y = (rng.random(n) < 0.3).astype(int)
    X = pd.DataFrame({"cv": np.where(y == 1, rng.gamma(2, 0.01, n), rng.gamma(2, 0.05, n)), "n_bids": rng.integers(3, 9, n),
                      "rd": np.where(y == 1, rng.gamma(4, 1.0, n), rng.gamma(2, 0.5, n)), "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.05, "rd"] = np.nan
    markets = np.where(np.arange(n) < n // 2, "a", "b")
    w = np.where(y == 1, 2.0, 1.0)
    lgbm = TenderCollusionClassifier(n_estimators=20)
    select = FamilySelectedClassifier(families=("lightgbm", "logistic"), lightgbm=lgbm, inner_repeats=1)
    model = clone(lgbm).fit(X, y, sample_weight=w)
    oof, final = E.cross_fit(select, X, y, E.tender_split(y, np.arange(n), 3), fit_params={"sample_weight": w})
    res = E.evaluate(select, X, y, winners=np.array([f"f{i % 40}" for i in range(n)]), times=np.arange(n, dtype=float),
                     n_splits=3, baseline=clone(lgbm), baseline_columns=["cv", "n_bids"])
    transfer = transfer_check(X.assign(market=markets, tender_id=np.arange(n)), y, kind="full",
                              params={"n_estimators": 20})
    return model.predict_proba(X)[:, 1], oof, final.predict_proba(X)[:, 1], final.family_, res, transfer


@pytest.mark.slow
def test_collusion_fits_as_tasks_give_the_same_model_and_metrics(short_of_memory):
    here = _collusion_fits()
    before = short_of_memory.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    with engine.using(short_of_memory):  # calibration folds, families x inner folds, outer folds: tasks on the workers
        there = _collusion_fits()
    after = short_of_memory.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    assert after - before > 100  # the fits ran as tasks
    for a, b in zip(here[:3], there[:3]):
        assert np.isfinite(a).all() and np.abs(a - b).max() <= 1e-12
    assert here[3] == there[3] and here[4] == there[4] and here[5] == there[5]  # the family, the metrics, the transfer check
    assert set(here[4]["splits"]) == {"tender", "bidder", "time", "time_forward"} and here[4]["splits"]["tender"]["auc"] > 0.8


@pytest.mark.slow
def test_inspection_draw_per_stratum_on_dask_gives_the_same_plan(short_of_memory, tmp_path):
    """The strata's draws are tasks on the workers (a batch of strata each, as many as the engine's blocks): the
    plan's files are the same bytes as on the pandas engine, and either engine verifies the other's plan."""
    import pathlib

    from distributed import get_task_stream

    from riskmodels.inspection import make_plan, verify_plan
    from tests.riskmodels.inspection.city import PERIOD, city, write

    t = city(n=500, depts=("env", "fire", "market", "tax"), capacity=100, seed=4)
    t["tiers"].loc[t["tiers"].index % 7 == 0, "probability"] = np.nan  # firms without a risk score share the median's
    d, tiers = write(tmp_path, t)
    here, _ = make_plan(d, tiers, PERIOD, "same", tmp_path / "pandas" / "p")
    with engine.using(short_of_memory), get_task_stream(short_of_memory.client) as stream:
        there, _ = make_plan(d, tiers, PERIOD, "same", tmp_path / "dask" / "p")
        verify_plan(tmp_path / "pandas" / "p")
    verify_plan(tmp_path / "dask" / "p")
    strata = len(here.strata)
    assert strata == 16 and (here.strata["drawn"] > 0).sum() >= 8
    batches = min(strata, short_of_memory.blocks(len(t["roster"])))  # per plan and its verification
    assert batches > 1
    assert sum(str(t["key"]).startswith("draw_strata-") for t in stream.data) == 2 * batches
    files = sorted(p.name for p in pathlib.Path(tmp_path / "pandas" / "p").iterdir())
    assert {"plan.csv", "strata.csv", "inclusion.csv", "manifest.json"} <= set(files)
    for name in files:
        if not name.endswith(".xlsx"):  # the workbooks carry their write time; verify_plan compared their cells
            assert (tmp_path / "pandas" / "p" / name).read_bytes() == (tmp_path / "dask" / "p" / name).read_bytes(), name
    for a, b in ((here.visits, there.visits), (here.strata, there.strata), (here.inclusion, there.inclusion),
                 (here.unassigned, there.unassigned)):
        pd.testing.assert_frame_equal(a, b)
    assert here.summary == there.summary


def _flags_both_ways(tables: dict, flags, eng):
    from features.evidence.flags import collusion_flags

    one = collusion_flags(tables, flags)
    count = lambda: eng.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)  # noqa: E731
    before = count()
    with engine.using(eng):
        there = collusion_flags(tables, flags)
    assert count() - before > 20  # the flags ran as tasks on the workers, not the whole-table path in this process
    return one, there


def _same_flags(one, there) -> None:
    (ev1, meta1), (ev2, meta2) = one, there
    pd.testing.assert_frame_equal(ev1, ev2, check_exact=False, rtol=1e-9)
    assert meta1.keys() == meta2.keys()
    for code in meta1:
        assert meta1[code].keys() == meta2[code].keys(), code
        for k, v in meta1[code].items():
            assert v == pytest.approx(meta2[code][k], rel=1e-9, nan_ok=True), (code, k)


def _tender_in(part: int, n: int, taken: set) -> str:
    """A tender id that the engine's hash puts in partition `part` of `n`, not used yet."""
    for i in range(10_000):
        t = f"T{i}"
        if t not in taken and engine.partition_of(pd.Series([t]), n)[0] == part:
            taken.add(t)
            return t
    raise AssertionError("no tender id found")


@pytest.mark.slow
def test_red_flags_per_tender_partition_see_values_shared_across_partitions(short_of_memory):
    """A value shared by bidders of tenders in different partitions is counted over the whole dataset: an IP of three
    bidders is generic with generic_bidders = 3 although no partition sees three of them, an agent's reach counts every
    client; registry ties, bill items and the cross-tender pair codes (rotation, recurrent winner, fixed gap) come out as
    in one process."""
    import dataclasses

    from features.core.settings import FlagsSettings

    n, taken, rows, items = 6, set(), [], []

    def bid(t, b, price, **kw):
        rows.append({"tender_id": t, "bidder_id": b, "price": float(price), "status": "valid", **kw})

    # IP 10.9.9.9: bidders A, B (one tender, partition 0), C (partition 1), D (partition 2) -> generic, not evidence
    t0, t1, t2 = (_tender_in(k, n, taken) for k in range(3))
    bid(t0, "A", 100, ip="10.9.9.9", is_winner=1.0), bid(t0, "B", 104, ip="10.9.9.9", is_winner=0.0)
    bid(t1, "C", 100, ip="10.9.9.9", is_winner=1.0), bid(t1, "X1", 130, is_winner=0.0)
    bid(t2, "D", 100, ip="10.9.9.9", is_winner=1.0), bid(t2, "X2", 130, is_winner=0.0)
    # device DEV-7 of two bidders only: evidence; agent AG1 acts for E, F (together), G, H (elsewhere): reach 4
    t3, t4, t5 = (_tender_in(k, n, taken) for k in (3, 4, 5))
    bid(t3, "E", 200, device_id="DEV-7", agent_id="AG1", is_winner=1.0)
    bid(t3, "F", 210, device_id="DEV-7", agent_id="AG1", is_winner=0.0)
    bid(t4, "G", 300, agent_id="AG1", is_winner=1.0), bid(t4, "X3", 330, is_winner=0.0)
    bid(t5, "H", 300, agent_id="AG1", is_winner=1.0), bid(t5, "X4", 330, is_winner=0.0)
    # P and Q take turns winning in 6 tenders spread over the partitions, Q always 5% above P (R057, R023, A39)
    for k in range(6):
        t = _tender_in(k, n, taken)
        bid(t, "P", 1000 + 10 * k, is_winner=float(k % 2 == 0), file_hash=f"h{k}")
        bid(t, "Q", (1000 + 10 * k) * 1.05, is_winner=float(k % 2 == 1), file_hash=f"h{k}" if k == 2 else None)
        bid(t, "Z", 5000, is_winner=0.0, legal="x")
    # R beats S in 5 tenders (R053); S and R share the representative P7 (A34); identical bills in one of them (A40.4)
    for k in range(5):
        t = _tender_in((k + 2) % n, n, taken)
        bid(t, "R", 700 + k, is_winner=1.0), bid(t, "S", 760 + 3 * k, is_winner=0.0)
        if k == 0:
            items += [{"tender_id": t, "bidder_id": b, "item_code": c, "unit_price": p}
                      for b in "RS" for c, p in (("i1", 1.5), ("i2", 7.0), ("i3", 9.9))]
    bids = pd.DataFrame(rows).drop(columns="legal")
    ents = pd.DataFrame({"enterprise_id": ["R", "S", "E", "G"], "legal_rep_id": ["P7", "P7", "P8", "P9"]})
    holders = pd.DataFrame({"enterprise_id": ["F"], "holder_id": ["E"], "share": [0.8]})
    tables = {"bids": bids, "bid_items": pd.DataFrame(items), "enterprises": ents, "shareholders": holders}
    flags = dataclasses.replace(FlagsSettings(), generic_bidders=3)
    assert short_of_memory.partitions(len(bids)) == n
    one, there = _flags_both_ways(tables, flags, short_of_memory)
    _same_flags(one, there)
    ev = one[0]
    assert not ev["evidence"].str.contains("10.9.9.9", regex=False).any()  # generic over the dataset, though no partition sees 3
    assert ev["evidence"].str.contains("the same device 'DEV-7'", regex=False).any()
    assert ev["evidence"].str.contains("'AG1' (who acts for 4 bidders in this dataset)", regex=False).any()
    assert {"A34", "A39", "A40.1", "A40.2", "A40.4", "R023", "R053", "R057"} <= set(ev["code"])
    assert ev.loc[ev["code"] == "A34", "bidders"].tolist().count("R;S") == 5 and "E;F" in set(ev.loc[ev["code"] == "A34", "bidders"])
    assert one[1]["R057"]["pairs_flagged"] == 1 and one[1]["R023"]["pairs"] >= 1


@pytest.mark.slow
def test_red_flags_of_the_tiny_city_are_the_same_on_dask(city, short_of_memory):
    from features.io.dataset import load_dataset

    s = Settings()
    ds = load_dataset(city, s, tables=["tenders", "bids", "bid_items", "enterprises", "shareholders"])
    one, there = _flags_both_ways(ds.tables, s.flags, short_of_memory)
    _same_flags(one, there)
    assert len(one[0]) > 50 and one[1]["A40.1"]["findings"] > 0


def _credit_outputs(ds, s, model):
    from riskmodels.credit.pipeline import default_as_of, monitor_dataset, tier_dataset, training_table

    mon = monitor_dataset(model, ds, s, reference_as_of=default_as_of(ds) - pd.Timedelta(days=365))
    return {"tiers": tier_dataset(model, ds, s), "train": training_table(ds, s, max_rows=2000, seed=1),
            "stability": mon.stability, "summary": mon.summary}


def _same_credit(a: dict, b: dict) -> None:
    for k in ("tiers", "train", "stability"):
        pd.testing.assert_frame_equal(a[k], b[k], obj=k)
    assert a["summary"] == b["summary"]


@pytest.mark.slow
@pytest.mark.parametrize("stored", ["csv", "parquet parts"])
def test_credit_reads_the_record_tables_where_they_were_validated(fitted, city, short_of_memory, tmp_path, monkeypatch,
                                                                   stored):
    """On Dask the credit events and inspections stay on the workers that validated them (hash partitions of a CSV, or
    the parts of a partitioned folder): training rows, tiers, reasons and monitoring read them part by part, never
    bring them here, and give what one process gives."""
    from features.io.dataset import load_dataset
    from features.io.kept import KeptTable, part_map
    from features.io.split import partition_dataset

    ds, s, model, _ = fitted
    data = city
    if stored != "csv":
        data = tmp_path / "parts"
        partition_dataset(city, data, partitions=3)
        ds = load_dataset(data, s)  # the firms in the order of the parts
    expected = _credit_outputs(ds, s, model)
    with engine.using(short_of_memory):
        there = load_dataset(data, s)
        kept = list(there.kept_tables.values())
        assert [t.name for t in kept] == ["credit_events", "inspections"]
        assert [t.n for t in kept] == ([6, 6] if stored == "csv" else [3, 3]) and part_map(kept) is not None

        collect = KeptTable.collect

        def columns_only(self, columns=None, between=None):
            if columns is None or (self.name == "inspections" and between is None):
                raise AssertionError(f"{self.name} brought to the driver whole")
            return collect(self, columns, between)

        monkeypatch.setattr(KeptTable, "collect", columns_only)
        got = _credit_outputs(there, s, model)
    _same_credit(expected, got)
    assert (got["tiers"]["reasons"].str.len() > 0).mean() > 0.5  # record facts written from the parts
    # the inspection plan takes this dataset as it is (not a second read), the last visits read part by part, and its
    # decision analysis only the columns it reads: the same plan and report as one process
    from riskmodels.inspection import make_plan, verify_plan
    from riskmodels.inspection.analysis import analyse, read_plan
    from riskmodels.inspection.planner import load_inputs, locate_inputs

    tiers = tmp_path / "tiers.csv"
    got["tiers"].to_csv(tiers, index=False)
    here, _ = make_plan(data, tiers, None, "same", tmp_path / "pandas", s)
    with engine.using(short_of_memory):
        loaded = load_inputs(locate_inputs(data, tiers), s, dataset=there)
        assert loaded.dataset is there
        there_plan, _ = make_plan(data, tiers, None, "same", tmp_path / "dask", s, loaded=loaded)
        report = analyse(there, [read_plan(tmp_path / "dask")], s)
        # a window of dates cut on the workers: the rows of the one-pass table in it, in file order
        whole = ds.get("inspections")
        lo, hi = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
        when = pd.to_datetime(whole["inspected_on"], errors="coerce")
        want = whole.loc[(when >= lo) & (when <= hi), ["enterprise_id", "inspected_on"]].reset_index(drop=True)
        got_rows = there.kept("inspections").collect(["enterprise_id", "inspected_on"], between=("inspected_on", lo, hi))
        assert 0 < len(got_rows) < len(whole)
        pd.testing.assert_frame_equal(got_rows, want, check_dtype=False)
        # a verification reads the files again: the inspections are validated on the workers and stay there (the
        # small tables are read here), and the plans of both engines re-derive
        again = load_inputs(locate_inputs(data, tiers), s).dataset
        assert set(again.kept_tables) == {"inspections"} and {"roster", "inspectors", "enterprises"} <= set(again.tables)
        for plan in ("dask", "pandas"):
            verify_plan(tmp_path / plan)
    pd.testing.assert_frame_equal(here.visits, there_plan.visits)
    assert here.summary == there_plan.summary
    for name, value in analyse(ds, [read_plan(tmp_path / "pandas")], s).items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, report[name], obj=name)


def test_part_map_says_where_each_firm_is_only_when_the_tables_are_split_alike():
    from features.io.kept import KeptTable, part_map, parts_of

    def table(name, keys):
        return KeptTable(name, "enterprise_id", [None] * len(keys), [None] * len(keys),
                         [np.array(k, dtype=object) for k in keys], [len(k) for k in keys], pd.DataFrame(), None)

    ev = table("credit_events", [["a", "b"], ["c"]])
    ins = table("inspections", [["b"], ["c", "d"]])
    where = part_map([ev, ins])
    assert where.to_dict() == {"a": 0, "b": 0, "c": 1, "d": 1}
    # a firm unknown to the parts goes by the hash, the same for every row of it
    got = parts_of(pd.Series(["a", "d", "zz", "zz", None]), where, 2)
    assert got[:2].tolist() == [0, 1] and got[2] == got[3] and set(got) <= {0, 1}
    assert part_map([ev, table("inspections", [["c"], ["b"]])]) is None  # b and c in other parts
    assert part_map([ev, table("inspections", [["b"], ["c"], ["d"]])]) is None  # three parts against two
    assert part_map([table("credit_events", [["a"], ["a", "b"]])]) is None  # one firm in two parts


def test_bidder_pairs_are_written_from_the_workers_a_part_at_a_time(fitted, short_of_memory, tmp_path, monkeypatch):
    """The demo's pairs stage on Dask: the bidder pairs stay on the workers in (bidder_a, bidder_b) ranges, are counted
    there and written one part at a time; the file reads back as the table one process writes."""
    from features.engine.steps import Kept
    from riskmodels.evidence import Evidence

    ds, s, _, _ = fitted
    here = Evidence(ds, s).bidder_pair_evidence()
    here.write(tmp_path / "one.parquet")
    with engine.using(short_of_memory):
        there = Evidence(ds, s).bidder_pair_evidence()
        assert len(there.parts.handles) == 6
        monkeypatch.setattr(Kept, "collect", lambda self: (_ for _ in ()).throw(AssertionError("brought whole")))
        assert there.counts() == here.counts() and there.bid_pairs == here.bid_pairs
        there.write(tmp_path / "parts.parquet")
    one, parts = pd.read_parquet(tmp_path / "one.parquet"), pd.read_parquet(tmp_path / "parts.parquet")
    assert len(one) == here.counts()["bidder_pairs"] > 1000
    pd.testing.assert_frame_equal(parts, one, check_exact=False, rtol=1e-12)
    assert (one["bidder_a"] < one["bidder_b"]).all() and not one.duplicated(["bidder_a", "bidder_b"]).any()
    assert one[["bidder_a", "bidder_b"]].apply(tuple, axis=1).is_monotonic_increasing
