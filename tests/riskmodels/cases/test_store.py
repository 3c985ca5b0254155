"""riskmodels.cases.store: the append-only record, supersession, schema versions, two writers at once, and PostgreSQL."""
from __future__ import annotations

import multiprocessing as mp
import pandas as pd
import pytest
import sqlalchemy as sa
from features.core.errors import InputError
from riskmodels.cases import store as case_store
from riskmodels.cases.store import SCHEMA_VERSION, open_store


def _verdicts(*rows):
    return pd.DataFrame([{"tender_id": t, "verdict": v, "by": b, "note": n, "firms": f} for t, v, b, n, f in rows])


BIDS = pd.DataFrame({"tender_id": ["T1", "T1", "T2"], "bidder_id": ["A", "B", "A"], "price": [100.0, 101.0, 99.0],
                     "device_id": ["D1", "D1", None], "ca_serial": ["C1", "C2", "C1"]})


def _exercise(st):
    st.add_verdicts(_verdicts(("T1", "collusive", "li", "same device", ["A", "B"]), ("T2", "clean", "li", "", [])), BIDS, "city")
    st.add_verdicts(_verdicts(("T2", "collusive", "wang", "reopened", ["A"])), BIDS, "city")
    h = st.verdict_history()
    assert list(h["tender_id"]) == ["T1", "T2", "T2"]  # append-only: the superseded verdict stays
    assert list(h["current"]) == [True, False, True]
    cur = st.current_verdicts().set_index("tender_id")
    assert cur.loc["T2", "verdict"] == "collusive" and cur.loc["T2", "by"] == "wang" and cur.loc["T2", "note"] == "reopened"
    cf = st.confirmed_firms()
    assert sorted(zip(cf["enterprise_id"], cf["tender_id"])) == [("A", "T1"), ("A", "T2"), ("B", "T1")]
    kept = st.judged_bids(cf["verdict_id"].unique())
    assert set(kept["device_id"].dropna()) == {"D1"} and len(kept[kept["tender_id"] == "T1"]) == 2
    w = pd.DataFrame({"tender_id": ["T9", "T9", "T8"], "kind": ["score", "score", "black-list"], "firms": ["", "", "A"],
                      "reason": ["top", "top", "listed"]})
    first = st.add_warnings(w, by="tester")
    assert list(first["tender_id"]) == ["T9", "T8"]  # a repeat within one batch is raised once
    assert len(st.add_warnings(w, by="tester")) == 0  # and never again
    s = st.summary()
    assert s["verdicts"] == 3 and s["superseded"] == 1 and s["warnings"] == 2 and s["current"] == {"collusive": 2}


def test_sqlite_store_records_supersedes_and_dedupes(tmp_path):
    _exercise(open_store(tmp_path / "cases.db"))


def test_postgresql_store_behaves_the_same(fresh_postgres):
    st = open_store(fresh_postgres)
    assert st.url.startswith("postgresql+psycopg://")
    _exercise(st)
    st.close()


def test_older_store_is_upgraded_and_newer_refused(tmp_path):
    path = tmp_path / "old.db"
    eng = sa.create_engine(f"sqlite:///{path}")
    md = case_store.schema_v1()
    md.create_all(eng)
    with eng.begin() as c:
        c.execute(sa.insert(md.tables["meta"]).values(key="schema_version", value="1"))
        c.execute(sa.insert(md.tables["verdicts"]).values(tender_id="T1", verdict="clean", by="old", note="", decided_at="2026-01-01T00:00:00+00:00", firms=""))
    eng.dispose()
    st = open_store(path)
    assert st.schema_version() == SCHEMA_VERSION
    assert st.current_verdicts()["by"].tolist() == ["old"]  # the old record survives the upgrade
    st.add_warnings(pd.DataFrame({"tender_id": ["T1"], "kind": ["score"], "firms": [""], "reason": ["r"]}))
    with st.engine.begin() as c:
        c.execute(sa.update(st.t["meta"]).where(st.t["meta"].c.key == "schema_version").values(value=str(SCHEMA_VERSION + 1)))
    with pytest.raises(InputError, match="newer riskmodels"):
        open_store(path)


def test_store_paths_are_checked(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        open_store(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        open_store(tmp_path / "nowhere" / "cases.db")
    with pytest.raises(InputError, match="unsupported store URL"):
        open_store("mysql://x/y")
    (tmp_path / "other.db").write_bytes(b"")
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE verdicts (x INTEGER)")
    with pytest.raises(InputError, match="not a riskmodels store"):
        open_store(tmp_path / "other.db")


def _writer(path: str, who: str, n: int, start) -> None:
    st = open_store(path)
    start.wait()
    for i in range(n):
        st.add_verdicts(_verdicts((f"{who}-{i}", "clean", who, "", [])))
        st.add_warnings(pd.DataFrame({"tender_id": [f"W{i}"], "kind": ["score"], "firms": [""], "reason": [who]}), by=who)


@pytest.mark.slow
def test_two_investigators_writing_at_once_both_succeed(tmp_path):
    path = str(tmp_path / "shared.db")
    open_store(path).close()
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(path, who, 25, start)) for who in ("li", "wang")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    st = open_store(path)
    h = st.verdict_history()
    assert len(h) == 50 and h["by"].value_counts().to_dict() == {"li": 25, "wang": 25}
    assert len(st.warnings()) == 25  # the same (tender, kind) raised by both is kept once
