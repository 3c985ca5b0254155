"""`features.engine.steps`: the one runner of map / combine / finalize steps and the one order-restoring merge, on the
pandas engine (one partition) and on an in-process engine that splits into many (the Dask engine runs the same calls as
tasks: tests/test_engine.py compares every stage there)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.engine import PandasEngine, split_frame
from features.engine.steps import Ranged, balanced_bounds, Made, Steps, map_rows, merge, run


class Split(PandasEngine):
    """The pandas engine cut into `n` partitions (the shuffles and reductions of the Dask engine, in this process)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def partitions(self, rows: int) -> int:
        return self.n


def _words(part: pd.DataFrame) -> pd.DataFrame:
    return part[["w"]].assign(k=1)


def _count(pieces: list) -> pd.DataFrame:
    t = pd.concat(pieces, ignore_index=True)
    return t.groupby("w", sort=True)["k"].sum().reset_index()


def _sum(partials: list) -> int:
    return sum(partials)


FRAME = pd.DataFrame({"t": [f"T{i % 9}" for i in range(60)], "w": list("abcdefghij") * 6, "v": np.arange(60.0)})


@pytest.mark.parametrize("n", [1, 4, 13])
def test_a_shuffle_meets_every_key_once_whatever_the_partitions(n):
    eng = Split(n)
    steps = Steps(map=_words, combine=_count, finalize=lambda r: merge(r, sort=["w"]).reset_index(drop=True), by="w")
    out = run(steps, eng.split(FRAME, "t"), eng=eng)
    assert out["w"].tolist() == list("abcdefghij") and out["k"].tolist() == [6] * 10


@pytest.mark.parametrize("n", [1, 4, 13])
def test_a_ranged_shuffle_keeps_its_buckets_in_key_order(n):
    """Cut by ranges of the key, the buckets follow the key's order: kept, they come one at a time in that order and
    their concatenation is the sorted result the finalize gives."""
    eng = Split(n)
    bounds = balanced_bounds(pd.Index(list("abcdefghij")), np.ones(10), n)
    assert len(bounds) == n - 1 and list(bounds) == sorted(bounds)
    steps = Steps(map=_words, combine=_count, finalize=lambda r: merge(r, sort=["w"]).reset_index(drop=True),
                  by=Ranged("w", bounds))
    kept = run(steps, eng.split(FRAME, "t"), eng=eng, keep=True)
    frames = list(kept.frames())
    assert pd.concat(frames)["w"].tolist() == list("abcdefghij")  # in order without a sort
    assert kept.pick(len) == [len(f) for f in frames] and (n > 10 or all(len(f) for f in frames))  # balanced
    pd.testing.assert_frame_equal(kept.collect(), run(steps, eng.split(FRAME, "t"), eng=eng))
    with pytest.raises(ValueError, match="shuffle"):
        run(Steps(map=lambda p: len(p), combine=_sum), eng.split(FRAME, "t"), eng=eng, keep=True)


@pytest.mark.parametrize("n", [1, 3, 20])
def test_a_reduction_and_the_extras_of_each_partition(n):
    eng = Split(n)
    parts = eng.split(FRAME, "t")
    assert run(Steps(map=lambda p: int(p["v"].sum()), combine=_sum), parts, eng=eng) == int(FRAME["v"].sum())
    total, extras = run(Steps(map=lambda p: (len(p), p["t"].nunique()), combine=_sum, extra=True), parts, eng=eng)
    assert total == 60 and sum(extras) == 9 and len(extras) == len(parts)


def test_a_dict_of_partials_each_by_its_own_key_and_the_unkeyed_in_the_first_bucket():
    eng = Split(5)

    def fold(part):
        return {"words": _words(part), "rows": len(part)}

    def bucket(pieces: dict) -> dict:
        return {"words": _count(pieces["words"]) if pieces["words"] else None, "rows": sum(pieces["rows"])}

    steps = Steps(map=fold, combine=bucket, by={"words": "w", "rows": None},
                  finalize=lambda r: (merge([b["words"] for b in r if b["words"] is not None], sort=["w"]),
                                      [b["rows"] for b in r]))
    words, rows = run(steps, eng.split(FRAME, "t"), eng=eng)
    assert words["k"].sum() == 60 and words["w"].is_unique
    assert rows[0] == 60 and rows[1:] == [0] * 4  # every partition's unkeyed value met in the first bucket


def test_one_partition_is_mapped_in_the_calling_process():
    class Refuses(Split):
        def map(self, *a, **k):
            raise AssertionError("one partition went to the engine")

    assert run(Steps(map=lambda p: len(p), finalize=sum), [FRAME], eng=Refuses(1)) == 60
    assert Split(1).blocks(10**9) == 1


def test_parts_made_in_turn_are_mapped_in_order():
    made = []

    def make(i):
        made.append(i)
        return pd.DataFrame({"x": [i]})

    out = run(Steps(map=lambda p, k: p.assign(y=p["x"] * k)), Made(make, 4), 10, eng=PandasEngine())
    assert made == [0, 1, 2, 3] and out["y"].tolist() == [0, 10, 20, 30]
    with pytest.raises(ValueError, match="not a reduction"):
        run(Steps(map=len, combine=_sum), Made(make, 2))


def test_merge_restores_the_input_order_dtypes_and_categories():
    rows = [np.array([3, 0]), np.array([], dtype=int), np.array([2, 1])]
    parts = [pd.DataFrame({"a": ["d", "a"], "n": [np.nan, np.nan], "c": pd.Categorical(["y", "x"])}),
             pd.DataFrame({"a": pd.Series([], dtype=object), "n": pd.Series([], dtype="Int64"),
                           "c": pd.Categorical([])}),
             pd.DataFrame({"a": ["c", "b"], "n": [1.5, 2.5], "c": pd.Categorical(["z", "x"])})]
    out = merge(parts, rows=rows)
    assert out["a"].tolist() == ["a", "b", "c", "d"] and out.index.equals(pd.RangeIndex(4))
    assert out["n"].dtype == np.float64  # the dtype of the parts that hold values
    assert list(out["c"].cat.categories) == ["x", "y", "z"] and out["c"].tolist() == ["x", "x", "z", "y"]
    by_key = merge([parts[2], parts[0]], sort=["a"])
    assert by_key["a"].tolist() == ["a", "b", "c", "d"]
    pairs = merge([pd.DataFrame({"p": ["b", "a"], "q": ["c", "b"]}), pd.DataFrame({"p": ["a"], "q": ["d"]})],
                  sort=["p", "q"], shared_categories=("p", "q"))
    assert pairs[["p", "q"]].astype(str).values.tolist() == [["a", "b"], ["a", "d"], ["b", "c"]]
    assert list(pairs["p"].cat.categories) == list(pairs["q"].cat.categories) == ["a", "b", "c", "d"]
    assert merge([parts[0]]) is parts[0]  # one part: the one-pass result itself


@pytest.mark.parametrize("key", ["t", None])
def test_map_rows_gives_one_row_per_input_row_in_input_order(key):
    out = map_rows(lambda p: p.assign(r=p["v"] * 2), FRAME, key, eng=Split(6))
    assert out["v"].tolist() == FRAME["v"].tolist() and (out["r"] == 2 * out["v"]).all()
    with pytest.raises(RuntimeError, match="rows back"):
        map_rows(lambda p: p.iloc[:1], FRAME, key, eng=Split(3))
    split = split_frame(FRAME, "t", 3)
    assert sum(len(p) for p in split) == 60
