"""Hardening: one test per hostile or careless input found by trying the toolkit as a hostile user would, and property-based tests over amounts, dates,
ids and whole files. Each test names the probe it keeps fixed."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.io.dataset import load_dataset
from features.core.errors import InputError
from features.io.export import CONTROL, atomic_dir, escape_cell, refuse_overwrite, safe_frame, unescape_cell, write_table
from features.io.read import read_raw
from features.io.prepare import parse_amount, parse_date
from features.core.settings import Settings

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FORMULA = ("=", "+", "-", "@", "\t", "\r")
ROOT = Path(__file__).resolve().parents[1]


def _bids(d: Path, rows: str, name="bids.csv", enc="utf-8") -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(("tender_id,bidder_id,price\n" + rows).encode(enc))
    return d


def _planted(path, seed=1, n_tenders=90) -> Path:
    """A small market: cartel firms C0-C3 bid tightly above a designated winner in every third tender."""
    rng = np.random.default_rng(seed)
    tenders, bids = [], []
    for t in range(n_tenders):
        tid, coll, reserve = f"T{t:04d}", t % 3 == 0, float(rng.uniform(1e5, 1e6))
        tenders.append({"tender_id": tid, "reserve_price": reserve, "collusive": int(coll)})
        if coll:
            firms, base = [f"C{k}" for k in rng.permutation(4)], reserve * rng.uniform(0.93, 0.98)
            prices = [base] + [base * (1 + rng.uniform(0.02, 0.03) + 0.002 * k) for k in range(3)]
        else:
            firms = [f"H{k}" for k in rng.choice(20, size=int(rng.integers(3, 7)), replace=False)]
            prices = list(reserve * rng.uniform(0.75, 1.0, size=len(firms)))
        w = int(np.argmin(prices))
        bids += [{"tender_id": tid, "bidder_id": f, "price": round(p, 2), "is_winner": int(k == w)}
                 for k, (f, p) in enumerate(zip(firms, prices))]
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(tenders).to_csv(path / "tenders.csv", index=False)
    pd.DataFrame(bids).to_csv(path / "bids.csv", index=False)
    return path


# ------------------------------------------------------------------------------------------------ 1 remote models

def test_remote_model_url_is_refused_before_any_request(cli, tmp_path):
    hits = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    d = _bids(tmp_path / "d", "T1,B1,100\nT1,B2,101\nT1,B3,99\n")
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/mlflow-artifacts/artifacts/model"
        cli("collusion", "score", d, "--model", url, "--out", tmp_path / "s.csv", code=2, err="allowed_hosts")
        cli("credit", "tier", d, "--model", "s3://bucket/model", "--out", tmp_path / "t.csv", code=2, err="is refused")
    finally:
        srv.shutdown()
    assert hits == []
    assert not (tmp_path / "s.csv").exists()


def test_allowed_hosts_and_local_models():
    from experiments.tracking import model_source

    assert model_source("models:/collusion@champion") == ("store", "models:/collusion@champion")
    assert model_source("runs:/abc/model")[0] == "store"
    assert model_source("https://mlflow.internal/x", allowed_hosts=["mlflow.internal"])[0] == "store"
    with pytest.raises(InputError, match="allowed_hosts"):
        model_source("https://evil.example/x", allowed_hosts=["mlflow.internal"])


def test_malformed_or_foreign_model_directories_exit_2(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\nT1,B2,101\nT1,B3,99\n")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "MLmodel").write_text("flavors: [unclosed\n")
    cli("collusion", "score", d, "--model", bad, "--out", tmp_path / "s.csv", code=2, err="MLmodel file is not readable")
    onnx = tmp_path / "onnx"
    onnx.mkdir()
    (onnx / "MLmodel").write_text("flavors:\n  onnx: {}\n")
    cli("collusion", "score", d, "--model", onnx, "--out", tmp_path / "s.csv", code=2, err="not sklearn")


def test_a_model_of_the_wrong_kind_is_refused():
    from sklearn.linear_model import LogisticRegression

    from experiments.tracking import check_model
    from riskmodels.credit.model import CreditClassifier

    with pytest.raises(InputError, match="not a collusion model"):
        check_model(LogisticRegression(), "m", kind="collusion")
    with pytest.raises(InputError, match="is a credit model, not a collusion model"):
        check_model(CreditClassifier(), "m", kind="collusion")


def test_model_features_switched_off_are_built_not_left_empty(cli, tmp_path):
    """Probe 4 of the issue: a model trained with flags and graph, scored with --no-flags --no-graph."""
    a = _planted(tmp_path / "a")
    model = tmp_path / "model"
    cli("collusion", "train", a, "--model-out", model, "--graph", "--flags", "--features", "full", err="trained on")
    cli("collusion", "score", a, "--model", model, "--out", tmp_path / "full.csv", err="scored")
    r = cli("collusion", "score", a, "--model", model, "--out", tmp_path / "bare.csv", "--no-flags", "--no-graph",
            err="built them for the model anyway")
    full, bare = (pd.read_csv(tmp_path / f).sort_values("tender_id") for f in ("full.csv", "bare.csv"))
    assert np.allclose(full["score"], bare["score"]) and full["flag"].sum() == bare["flag"].sum() > 0, r.stderr


# --------------------------------------------------------------------------------------------- 2 no lost files

def test_demo_never_deletes_a_users_files(tmp_path):
    from experiments.demo import run_demo

    w = tmp_path / "w"
    _bids(w / "data", "T1,B1,100\n")
    (w / "data" / "notes.txt").write_text("my notes")
    (w / "data" / "contracts").mkdir()
    (w / "data" / "contracts" / "c1.pdf").write_bytes(b"%PDF-1.4 x")
    with pytest.raises(InputError, match="bids.csv: already exists"):
        run_demo(w, "tiny", log=lambda s: None)
    assert (w / "data" / "notes.txt").read_text() == "my notes" and (w / "data" / "contracts" / "c1.pdf").exists()
    assert (w / "data" / "bids.csv").read_text().endswith("T1,B1,100\n")


def test_simulate_does_not_replace_data_without_force(cli, tmp_path):
    u = _bids(tmp_path / "u", "T1,B1,100\nT1,B2,101\n")
    (u / "notes.txt").write_text("keep")
    before = (u / "bids.csv").read_bytes()
    cli("data", "simulate", "--scale", "tiny", "--out", u, code=2, err="bids.csv")
    assert (u / "bids.csv").read_bytes() == before
    cli("data", "simulate", "--scale", "tiny", "--out", u, "--force", err="wrote")
    assert (u / "bids.csv").read_bytes() != before and (u / "notes.txt").read_text() == "keep"
    assert not [p for p in u.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_every_out_refuses_to_overwrite_and_names_the_file(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\nT1,B2,101\nT1,B3,99\n")
    out = tmp_path / "screens.csv"
    out.write_text("mine")
    cli("collusion", "screens", d, "--out", out, code=2, err="screens.csv: already exists")
    assert out.read_text() == "mine"
    cli("collusion", "screens", d, "--out", out, "--force", err="written")
    assert "cv" in out.read_text(encoding="utf-8-sig")
    rej = tmp_path / "rej.csv"
    rej.write_text("mine")
    cli("data", "validate", d, "--rejects", rej, code=2, err="rej.csv: already exists")


def test_refuse_overwrite_lists_existing_only(tmp_path):
    (tmp_path / "a").write_text("x")
    (tmp_path / "empty").mkdir()
    assert refuse_overwrite(tmp_path / "a", tmp_path / "b", tmp_path / "empty", force=True) == [tmp_path / "a"]


# ------------------------------------------------------------------------------------- 3 formula-safe, round-trip

@FAST
@given(v=st.text(max_size=12))
def test_escape_is_safe_and_read_back_exactly(v):
    e = escape_cell(v)
    assert unescape_cell(e) == v
    if e[:1] in FORMULA:
        float(e)  # only plain numbers may start with a sign


@pytest.mark.parametrize("v,written", [("-5", "-5"), ("+3.5e2", "+3.5e2"), ("-2+3", "'-2+3"), ("=1", "'=1"),
                                       ("'=1", "''=1"), ("O'Brien", "O'Brien"), ("'x", "'x"), ("@SUM(1)", "'@SUM(1)")])
def test_escape_examples(v, written):
    assert escape_cell(v) == written and unescape_cell(written) == v


@FAST
@given(ids=st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=8),
                    min_size=1, max_size=12),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_whole_exports_read_back_to_the_same_values(tmp_path_factory, ids, fmt):
    """The toolkit reads its own exports (any ids, formula-like or not) back to the same values (control characters
    are the one thing an export removes)."""
    d = tmp_path_factory.mktemp("rt")
    df = pd.DataFrame({"enterprise_id": ids, "tier": ["C"] * len(ids)})
    p = write_table(df, d / f"t.{fmt}")
    if fmt == "csv":
        assert read_raw(p).frame["enterprise_id"].tolist() == [CONTROL.sub("", i) for i in ids]
    else:
        from openpyxl import load_workbook

        ws = load_workbook(p).active
        cells = [c.value for c in ws["A"][1:]]
        assert all(c.value is None or c.data_type == "s" for c in ws["A"][1:])
        # a workbook stores a carriage return as a line feed: the one change besides removed control characters
        assert [unescape_cell(c) if c is not None else "" for c in cells] == \
            [CONTROL.sub("", i.replace("\r\n", "\n").replace("\r", "\n")) for i in ids]


def test_formula_like_ids_in_tiers_still_match_in_inspect_plan(tmp_path):
    from riskmodels.inspection.planner import read_file_table

    ids = ["+SUM(1)", "=HYPERLINK(\"x\")", "-5", "@a", "plain"]
    p = write_table(pd.DataFrame({"enterprise_id": ids, "tier": list("ABCDA")}), tmp_path / "tiers.csv")
    text = p.read_text(encoding="utf-8-sig")
    assert "'+SUM(1)" in text and "\n-5,C" in text
    assert read_file_table(p)["enterprise_id"].tolist() == ids
    assert not [v for v in csv.reader(io.StringIO(text)) for v in v if v[:1] in FORMULA and v != "-5"]


def test_collusion_score_outputs_are_formula_safe_and_xlsx_is_a_workbook(cli, tmp_path):
    d = tmp_path / "d"
    rows = "".join(f"T{t},{b},{100 + t + k}\n" for t in range(6) for k, b in
                   enumerate(['=HYPERLINK("http://evil")', "+SUM(1)|' /C calc'!A0", "@SUM(1)", "-2+3"]))
    _bids(d, rows)
    cli("collusion", "score", d, "--out", tmp_path / "s.csv", "--no-graph", "--no-flags")
    for f in ("s.csv", "s_cases.csv", "s_groups.csv"):
        for row in csv.reader(io.StringIO((tmp_path / f).read_text(encoding="utf-8-sig"))):
            for v in row:
                assert v[:1] not in FORMULA or v.lstrip("+-").replace(".", "", 1).isdigit(), (f, v)
    cli("collusion", "score", d, "--out", tmp_path / "x.xlsx", "--no-graph", "--no-flags")
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "x.xlsx").active.max_row == 7


# --------------------------------------------------------------------------------- 4 whole or absent, stale outputs

def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    p = tmp_path / "out.csv"
    p.write_text("old")

    def boom(self, *a, **k):
        Path(a[0]).write_text("half")
        raise RuntimeError("disk died")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(RuntimeError):
        write_table(pd.DataFrame({"a": [1]}), p)
    assert p.read_text() == "old" and [x.name for x in tmp_path.iterdir()] == ["out.csv"]


def test_a_folder_of_outputs_appears_at_once(tmp_path):
    out = tmp_path / "plan"
    with pytest.raises(RuntimeError):
        with atomic_dir(out) as work:
            (work / "plan.csv").write_text("x")
            raise RuntimeError("killed midway")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    out.mkdir()
    (out / "manifest.json").write_text("old")
    with atomic_dir(out) as work:
        (work / "manifest.json").write_text("new")
        assert (out / "manifest.json").read_text() == "old"
    assert (out / "manifest.json").read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_failed_run_names_stale_outputs(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\n")
    out = tmp_path / "s.csv"
    out.write_text("earlier")
    (d / "tenders.csv").write_text("tender_id\n")  # no such tender referenced... still readable
    (d / "bids.csv").write_text("tender_id,bidder_id\nT1,B1\n")  # no price column: the run fails
    r = cli("collusion", "score", d, "--out", out, "--force", code=2, err="stale")
    assert str(out) in r.stderr and out.read_text() == "earlier"


def test_user_errors_on_output_places_exit_2(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\nT1,B2,101\nT1,B3,99\n")
    f = tmp_path / "afile"
    f.write_text("x")
    cli("collusion", "screens", d, "--out", f / "s.csv", code=2, err="is a file")
    cli("inspect", "plan", d, "--tiers", f, "--period", "2027-01", "--seed", "s", "--out", f, code=2, err="is a file")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        import os

        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write into read-only folders (root)")
        cli("collusion", "screens", d, "--out", ro / "s.csv", code=2, err="not writable")
    finally:
        ro.chmod(0o700)


# ----------------------------------------------------------------------------------------------- 5 time zones

def test_mixed_aware_and_naive_dates_are_read_by_the_rule(cli, tmp_path):
    d = _bids(tmp_path / "d", "")
    (d / "bids.csv").write_text("tender_id,bidder_id,price,submitted_at\n"
                                "T1,B1,100,2023-06-01T10:00:00+08:00\nT1,B2,101,2023-06-01 09:00:00\n"
                                "T1,B3,99,2023-05-31T17:00:00Z\n")
    ds = load_dataset(d)
    got = ds.tables["bids"]["submitted_at"].tolist()
    assert got == [pd.Timestamp("2023-06-01 10:00"), pd.Timestamp("2023-06-01 09:00"), pd.Timestamp("2023-06-01 01:00")]
    assert any("time-zone offset converted to Asia/Shanghai" in n["problem"] for n in ds.notes)
    s = Settings()
    s.validate.timezone = "UTC"
    got = load_dataset(d, s).tables["bids"]["submitted_at"].tolist()
    assert got[0] == pd.Timestamp("2023-06-01 02:00") and got[2] == pd.Timestamp("2023-05-31 17:00")
    cli("collusion", "screens", d, "--out", tmp_path / "s.csv")


@FAST
@given(ts=st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(), max_value=pd.Timestamp("2090-12-31").to_pydatetime()),
       fmt=st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S+08:00", "%Y年%m月%d日 %H:%M:%S",
                            "%d/%m/%Y %H:%M:%S"]))
def test_dates_read_back_exactly_or_are_refused(ts, fmt):
    ts = ts.replace(microsecond=0)
    v = parse_date(pd.Series([ts.strftime(fmt)], dtype=object)).iloc[0]
    if fmt.startswith("%d/%m") and ts.day <= 12 and ts.day != ts.month:
        assert pd.isna(v)  # 01/02/2023 reads two ways: refused, not guessed
    elif fmt.endswith("+08:00"):  # converted to the zone of naive dates (Shanghai kept summer time until 1991)
        assert v == pd.Timestamp(ts).tz_localize("Etc/GMT-8").tz_convert("Asia/Shanghai").tz_localize(None)
    else:
        assert v == pd.Timestamp(ts)


def test_ambiguous_day_month_and_words_are_rejected_with_reasons(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "tenders.csv").write_text("tender_id,published_at\nT1,01/02/2023\nT2,13/01/2023\nT3,now\nT4,today\nT5,2023-01-05\n")
    ds = load_dataset(d)
    t = ds.tables["tenders"].set_index("tender_id")["published_at"]
    assert t["T2"] == pd.Timestamp("2023-01-13") and t["T5"] == pd.Timestamp("2023-01-05")
    assert pd.isna(t["T1"]) and pd.isna(t["T3"]) and pd.isna(t["T4"])
    assert any("day and month could be either way round" in n["problem"] for n in ds.notes)
    s = Settings()
    s.validate.date_order = "mdy"
    assert load_dataset(d, s).tables["tenders"].set_index("tender_id")["published_at"]["T1"] == pd.Timestamp("2023-01-02")


# ------------------------------------------------------------------------------------ 6 control characters

def test_control_characters_are_stripped_and_counted(tmp_path, caplog):
    df = pd.DataFrame({"name": ["ab\x0bc", "ok", "\x01x"]})
    with caplog.at_level("WARNING", logger="riskmodels.export"):
        write_table(df, tmp_path / "n.xlsx")
        write_table(df, tmp_path / "n.csv")
    assert "2 cell(s) had control characters" in caplog.text
    counter = [0]
    assert safe_frame(df, counter)["name"].tolist() == ["abc", "ok", "x"] and counter == [2]


def test_inspect_plan_with_a_control_character_in_a_name(cli, tmp_path):
    from tests.test_inspection import PERIOD, city, write

    t = city(n=120)
    t["enterprises"].loc[:, "name"] = t["enterprises"]["name"].str.slice(0, 3) + "\x0b" + t["enterprises"]["name"].str.slice(3)
    d, tiers = write(tmp_path, t)
    r = cli("inspect", "plan", d, "--tiers", tiers, "--period", PERIOD, "--seed", "s", "--out", tmp_path / "p")
    assert "control characters" in r.stderr
    assert (tmp_path / "p" / "manifest.json").exists() and (tmp_path / "p" / "plan.xlsx").exists()
    cli("inspect", "verify", tmp_path / "p", out="OK")


# ------------------------------------------------------------------------------------------ 7 silent misreads

def test_impossible_amounts_are_rejected(cli, tmp_path):
    d = _bids(tmp_path / "a", 'T1,B1,100\nT1,B2,1.234,56\nT1,B3,12.5万万\nT1,B4,万12\nT1,B5,"1,2,3"\nT1,B6,101\n'
                              'T1,B7,inf\nT1,B8,1e309\n'.replace("1.234,56", '"1.234,56"'))
    r = cli("data", "validate", d, "--json", "--rejects", tmp_path / "rej.csv")
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["tables"]["bids"]["accepted"] == 2
    rej = pd.read_csv(tmp_path / "rej.csv", dtype=str, encoding="utf-8-sig")
    assert (rej["reason"] == "price is not a finite number").sum() == 2
    assert set(rej["value"]) >= {"1.234,56", "12.5万万", "万12", "1,2,3"}


@FAST
@given(cents=st.integers(min_value=1, max_value=10**13), style=st.sampled_from(["plain", "grouped", "yuan", "wan"]))
def test_amounts_read_back_exactly(cents, style):
    v = cents / 100
    text = {"plain": f"{v:.2f}", "grouped": f"{v:,.2f}", "yuan": f"¥{v:,.2f}元", "wan": f"{v / 1e4:.6f}万"}[style]
    got = parse_amount(pd.Series([text], dtype=object)).iloc[0]
    assert got == pytest.approx(v, rel=1e-12, abs=1e-6)


@FAST
@given(parts=st.lists(st.integers(0, 999), min_size=2, max_size=4), bad_group=st.integers(1, 2))
def test_malformed_thousands_groups_are_never_read(parts, bad_group):
    text = ",".join(str(p).zfill(3) for p in parts)
    text = text[:-bad_group]  # the last group is short: not a grouped number
    assert np.isnan(parse_amount(pd.Series([text], dtype=object)).iloc[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(-(2**53) + 1, 2**53 - 1), min_size=1, max_size=20))
def test_parquet_integer_ids_as_floats_are_read_exactly(tmp_path_factory, ids):
    d = tmp_path_factory.mktemp("pq")
    pd.DataFrame({"tender_id": "T1", "bidder_id": np.asarray(ids, dtype="float64"),
                  "price": np.arange(1, len(ids) + 1, dtype=float)}).to_parquet(d / "bids.parquet")
    ds = load_dataset(d)
    assert sorted(ds.tables["bids"]["bidder_id"]) == sorted(str(i) for i in ids) and ds.counts["bids"]["rejected"] == 0


def test_parquet_float_ids_that_lost_their_value_are_rejected(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    pd.DataFrame({"tender_id": ["T1"] * 4, "bidder_id": [1e20, 2e20, float("inf"), 12.0],
                  "price": [1.0, 2.0, 3.0, 4.0]}).to_parquet(d / "bids.parquet")
    ds = load_dataset(d)
    assert ds.tables["bids"]["bidder_id"].tolist() == ["12"]
    assert ds.counts["bids"] == {"read": 4, "accepted": 1, "rejected": 3}
    assert ds.rejects["reason"].str.contains("floating-point").all()


@pytest.mark.parametrize("enc,text", [("big5", "臺北市建設工程有限公司"), ("shift_jis", "東京建設株式会社")])
def test_big5_and_shift_jis_are_refused_not_misread(cli, tmp_path, enc, text):
    d = tmp_path / "d"
    d.mkdir()
    rows = "".join(f"E{i},{text}{i}\n" for i in range(8))
    (d / "enterprises.csv").write_bytes(("enterprise_id,name\n" + rows).encode(enc))
    cli("data", "validate", d, code=2, err="not supported")


def test_gbk_is_still_read(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "enterprises.csv").write_bytes("enterprise_id,name\nE1,芜湖建设工程有限公司\nE2,甲公司\n".encode("gbk"))
    assert load_dataset(d).tables["enterprises"]["name"].tolist() == ["芜湖建设工程有限公司", "甲公司"]


# ------------------------------------------------------------------------------------------ 8 concurrent MLflow

@pytest.mark.slow
def test_two_processes_on_a_fresh_store_both_succeed(tmp_path):
    # without the lock the second process fails in MLflow's schema migration ("Online migration expected to match one row")
    code = "from experiments import tracking\nprint(tracking.list_runs())\n"
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/fresh.db", "MLFLOW_DISABLE_TELEMETRY": "true",
           "OMP_WAIT_POLICY": "PASSIVE", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    ps = [subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in ps]
    assert [p.returncode for p in ps] == [0, 0], [o[1][-400:] for o in outs]


# ----------------------------------------------------------------------------------- 10 verify sees presentation

@pytest.fixture(scope="module")
def published_plan(tmp_path_factory):
    from riskmodels.inspection import make_plan
    from tests.test_inspection import PERIOD, city, write

    tmp = tmp_path_factory.mktemp("plan")
    d, tiers = write(tmp, city(n=120))
    make_plan(d, tiers, PERIOD, "seed", tmp / "p", Settings())
    return tmp / "p", d, tiers  # the manifest names inputs relative to the plan folder: a moved copy names them


@pytest.mark.parametrize("tamper,what", [
    (lambda wb: setattr(wb["plan"].row_dimensions[2], "hidden", True), "hidden rows"),
    (lambda wb: setattr(wb["plan"].column_dimensions["A"], "hidden", True), "hidden columns"),
    (lambda wb: setattr(wb["plan"]["A2"], "number_format", '"E00001"'), "number format"),
    (lambda wb: wb.create_sheet("extra"), "sheets"),
    (lambda wb: setattr(wb["plan"]["A2"], "comment", __import__("openpyxl").comments.Comment("x", "y")), "comment"),
])
def test_verify_checks_workbook_presentation(published_plan, tmp_path, tamper, what):
    import shutil

    from openpyxl import load_workbook

    from riskmodels.inspection import VerifyFailed, verify_plan

    src, data, tiers = published_plan
    p = tmp_path / "p"
    shutil.copytree(src, p)
    verify_plan(p, data_dir=data, tiers=tiers)
    wb = load_workbook(p / "plan.xlsx")
    tamper(wb)
    wb.save(p / "plan.xlsx")
    with pytest.raises(VerifyFailed, match=what):
        verify_plan(p, data_dir=data, tiers=tiers)


# ------------------------------------------------------------------------------ 11 field size, spreadsheet rows

def test_a_huge_field_is_a_rejected_row_not_a_stopped_file(tmp_path):
    big = "x" * (200 * 1024)
    d = _bids(tmp_path / "d", f'T1,B1,100\nT1,"{big}",101\nT1,B3,99\n')
    ds = load_dataset(d)
    assert ds.counts["bids"] == {"read": 3, "accepted": 2, "rejected": 1}
    assert ds.rejects["row"].tolist() == [3] and "byte limit" in ds.rejects["reason"].iloc[0]


def test_reject_rows_are_spreadsheet_rows_after_multiline_fields(tmp_path):
    d = _bids(tmp_path / "d", "")
    (d / "bids.csv").write_text('tender_id,bidder_id,price,note\nT1,B1,100,"line one\nline two\nline three"\n'
                                'T1,B2,abc,x\nT1,B3,99,y\n')
    ds = load_dataset(d)
    assert ds.rejects["row"].tolist() == [3]  # the spreadsheet's row 3, though it is the file's line 5


# -------------------------------------------------------------------------------------------- 12 user errors

def test_tables_given_twice_or_broken_are_refused(cli, tmp_path):
    d = _bids(tmp_path / "d", "T1,B1,100\n")
    pd.read_csv(d / "bids.csv").to_parquet(d / "bids.parquet")
    cli("data", "validate", d, code=2, err="given twice")
    e = tmp_path / "e"
    (e / "bids.csv").mkdir(parents=True)
    _bids(e, "T1,1\n", name="tenders.csv")
    cli("data", "validate", e, code=2, err="is a folder")
    f = tmp_path / "f"
    f.mkdir()
    (f / "bids.csv").symlink_to(tmp_path / "nowhere.csv")
    cli("data", "validate", f, code=2, err="broken link")



def test_safe_frame_escapes_a_column_backed_by_a_read_only_array():
    """A frame may hand out its text columns as read-only arrays (copy-on-write views); escaping must not write into
    them (the case list of `collusion score` with formula-looking firm names stopped with exit 1 this way)."""
    import pandas as pd

    from features.io.export import safe_frame

    df = pd.DataFrame({"bidders": pd.Series(["=HYPERLINK(1)", "plain", "+SUM(1)"], dtype=object)})
    assert not df["bidders"].to_numpy(dtype=object).flags.writeable  # what pandas hands out under copy-on-write
    out = safe_frame(df)
    assert out["bidders"].tolist() == ["'=HYPERLINK(1)", "plain", "'+SUM(1)"]
    assert df["bidders"].tolist() == ["=HYPERLINK(1)", "plain", "+SUM(1)"]  # the caller's frame is untouched


def test_outputs_get_the_usual_permissions_not_those_of_their_temporary_files(tmp_path):
    """Outputs go through private temporary files and folders (0600 / 0700); once in place they carry what a plain write
    would give under the umask, so a colleague can read a plan or a case file."""
    import os

    from features.io.export import atomic_dir, write_text
    from riskmodels.report.site import Site

    old = os.umask(0o022)
    try:
        f = write_text(tmp_path / "plan.md", "x")
        with atomic_dir(tmp_path / "plan") as d:
            (d / "a.csv").write_text("a")
        site = Site(tmp_path / "site")
        site.publish()
    finally:
        os.umask(old)
    assert f.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "plan").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "site").stat().st_mode & 0o777 == 0o755
