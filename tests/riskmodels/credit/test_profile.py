"""riskmodels.credit.profile: the enterprise profile page, escaped, in both languages."""
from __future__ import annotations
import pandas as pd
from tests.riskmodels.regulator import _text
import csv
import html
import re
import pytest
from riskmodels.credit.profile import page_name


@pytest.mark.slow
def test_profile_shows_the_firm_escaped_in_both_languages(city, cli, tmp_path):
    c = city
    t = pd.read_csv(c["tiers"], dtype=str, keep_default_na=False)
    top = t.sort_values("probability", key=pd.to_numeric, ascending=False).iloc[0]
    eid = top["enterprise_id"]
    ev = pd.read_csv(c["data"] / "credit_events.csv", dtype=str)
    ins = pd.read_csv(c["data"] / "inspections.csv", dtype=str)
    n_ev, n_in = int((ev.enterprise_id == eid).sum()), int((ins.enterprise_id == eid).sum())
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "p.html",
        "--groups", c["dir"] / "groups.csv", err="wrote")
    text = _text(tmp_path / "p.html")
    name = c["ent"].set_index("enterprise_id").loc[eid, "name"]
    assert name in text and f"{n_ev} credit events" in text and f"{n_in} inspections" in text
    assert top["reasons"].split(";")[0].strip() in text and f"as of {top['as_of']}" in text
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://e.example", "") and "<link" not in page  # offline: no outside resource
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "p.html", code=2,
        err="--force")
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", eid, "--out", tmp_path / "zh.html", "--lang", "zh")
    zh = _text(tmp_path / "zh.html")
    assert f"信用记录 {n_ev} 条" in zh
    # the data's codes the toolkit knows (the industry, the bodies that recorded the events) are written in Chinese
    from riskmodels.report.i18n import VALUES_ZH

    codes = {c["ent"].set_index("enterprise_id").loc[eid, "industry"], *ev.loc[ev.enterprise_id == eid, "source"].dropna()}
    known = codes & set(VALUES_ZH)
    assert known and all(VALUES_ZH[k] in zh and k not in zh for k in known), (codes, known)
    # the firm whose name is HTML: escaped, never markup
    odd = c["ent"].loc[3, "enterprise_id"]
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", odd, "--out", tmp_path / "odd.html")
    raw = (tmp_path / "odd.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--id", "NOPE", "--out", tmp_path / "x.html", code=2,
        err="not in the enterprises table")
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{eid}\n{odd}\n", encoding="utf-8")
    cli("credit", "profile", c["data"], "--tiers", c["tiers"], "--ids", ids, "--out", tmp_path / "batch", err="2 profiles")
    index = (tmp_path / "batch" / "index.html").read_text(encoding="utf-8")
    from riskmodels.credit.profile import page_name

    assert index.count("<tr>") == 3 and all((tmp_path / "batch" / page_name(e)).exists() for e in (eid, odd))


FIRMS = {"ACME/1": "Acme Slash Ltd", "ACME_1": "Acme Underscore Ltd", "ACME?1": "Acme Question Ltd",
         "index": "Index Trading Ltd", "acme_1": "Acme Lower Ltd", "E" * 300: "Long Ltd", "../x": "Dots Ltd"}


def test_page_names_never_collide_never_take_the_index_and_stay_short():
    names = [page_name(i) for i in FIRMS]
    assert len(set(n.lower() for n in names)) == len(names)  # distinct on case-insensitive file systems too
    assert "index.html" not in names and all(len(n) < 90 and "/" not in n and not n.startswith(".") for n in names)
    assert page_name("ACME/1") == page_name("ACME/1")


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    with open(d / "enterprises.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["enterprise_id", "name"], *FIRMS.items()])
    (tmp_path / "tiers.csv").write_text("enterprise_id,tier\nACME/1,D\nACME_1,A\nindex,C\n")
    (tmp_path / "ids.txt").write_text("".join(f"{i}\n" for i in FIRMS) + "ACME/1\n", encoding="utf-8")
    return d


def test_every_firm_gets_its_own_linked_page(cli, data, tmp_path):
    out = tmp_path / "prof"
    cli("credit", "profile", data, "--tiers", tmp_path / "tiers.csv", "--ids", tmp_path / "ids.txt", "--out", out)
    index = (out / "index.html").read_text(encoding="utf-8")
    links = {html.unescape(t).strip(): out / html.unescape(h) for h, t in re.findall(r'<a\s+href="([^"]+)"\s*>(.*?)</a>', index)}
    assert set(links) == set(FIRMS.values()) and len(list(out.glob("*.html"))) == len(FIRMS) + 1
    for name, page in links.items():
        assert name in page.read_text(encoding="utf-8")


def test_an_existing_page_is_not_replaced_without_force(cli, data, tmp_path):
    (tmp_path / "one.txt").write_text("ACME_1\n")
    out = tmp_path / "mine"
    out.mkdir()
    (out / page_name("ACME_1")).write_text("MY NOTES\n")
    r = cli("credit", "profile", data, "--tiers", tmp_path / "tiers.csv", "--ids", tmp_path / "one.txt", "--out", out, code=2)
    assert page_name("ACME_1") in r.stderr and (out / page_name("ACME_1")).read_text() == "MY NOTES\n"
    assert not (out / "index.html").exists()
    cli("credit", "profile", data, "--tiers", tmp_path / "tiers.csv", "--ids", tmp_path / "one.txt", "--out", out, "--force")
    assert "Acme Underscore Ltd" in (out / page_name("ACME_1")).read_text(encoding="utf-8")
