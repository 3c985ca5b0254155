"""`riskmodels collusion report`: the linked offline case file, checked against the data it was built from."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote
import pandas as pd
import pytest
from tests.riskmodels.report.casefiles import CARTEL, EVIL, write_market
from tests.conftest import run_cli


LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"'#]+)""", re.I)


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    d = tmp_path_factory.mktemp("market")
    data = write_market(d / "data")
    run_cli("collusion", "flags", data, "--out", d / "flags.csv")
    run_cli("graph", "groups", data, "--out", d / "groups.csv")
    run_cli("collusion", "score", data, "--out", d / "scores.csv")
    run_cli("collusion", "report", data, "--out", d / "en", err="wrote")
    run_cli("collusion", "report", data, "--out", d / "zh", "--lang", "zh")
    return d


def _pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def _text(p: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", p.read_text(encoding="utf-8")))


def _index_links(root: Path, part: str) -> list[Path]:
    out = []
    for h in LINK.findall((root / "index.html").read_text(encoding="utf-8")):
        if f"{part}/" in h:
            out.append((root / unquote(h)).resolve())
    return list(dict.fromkeys(out))


def test_every_link_resolves_and_nothing_loads_from_the_network(market):
    root = market / "en"
    pages = _pages(root)
    assert len(pages) > 20
    for p in pages:
        page = p.read_text(encoding="utf-8")
        for h in LINK.findall(page):
            assert not re.match(r"^(https?:)?//", h), f"{p.name} loads {h} from the network"
            assert (p.parent / unquote(h)).exists(), f"{p.relative_to(root)}: link {h} leads nowhere"
    assert (root / "report.css").exists()


def test_names_from_the_data_are_escaped(market):
    for lang in ("en", "zh"):
        for p in _pages(market / lang):
            assert "<script>" not in p.read_text(encoding="utf-8"), p
    firm = market / "en" / "firms" / f"{CARTEL[0]}.html"
    assert "&lt;script&gt;" in firm.read_text(encoding="utf-8")
    assert EVIL in _text(firm)  # shown as text, whole


def test_tender_pages_agree_with_the_data(market):
    data = market / "data"
    bids = pd.read_csv(data / "bids.csv", dtype=str)
    names = dict(pd.read_csv(data / "enterprises.csv", dtype=str)[["enterprise_id", "name"]].to_numpy())
    flags = pd.read_csv(market / "flags.csv", dtype=str)
    tenders = _index_links(market / "en", "tenders")
    assert len(tenders) >= 20
    for p in tenders[:10]:
        tid = p.stem
        t = _text(p)
        mine = bids[bids["tender_id"] == tid]
        for r in mine.itertuples():
            assert names[r.bidder_id] in t, f"{tid}: bidder {r.bidder_id} not named"
            assert f"{float(r.price):,.2f}" in t, f"{tid}: price of {r.bidder_id} missing"
            assert (p.parent.parent / "firms" / f"{r.bidder_id}.html").exists()
        for code in set(flags.loc[flags["tender_id"] == tid, "code"]):
            assert code in t, f"{tid}: red flag {code} missing"
        winner = mine.loc[mine["is_winner"] == "1", "bidder_id"]
        page = p.read_text(encoding="utf-8")
        if len(winner):
            row = re.search(r'<tr class="winner">(.*?)</tr>', page, re.S)
            assert row and f"{winner.iloc[0]}" in row.group(1)


def test_shared_device_is_shown_on_the_cartel_tenders(market):
    p = market / "en" / "tenders" / "T2024-000001.html"
    t = _text(p)
    assert "DEV-SHARED" in t and "device A" in t and "A40.1" in t
    assert "Article 40(1), Regulation on the Implementation of the Bidding Law" in t


def test_group_pages_follow_graph_groups_and_collusion_score(market):
    groups = pd.read_csv(market / "groups.csv", dtype=str)
    listed = pd.read_csv(market / "scores_groups.csv", dtype=str)
    assert list(listed["members"]) == list(groups["members"])[:len(listed)]  # one ranking across the toolkit
    pages = _index_links(market / "en", "groups")
    assert pages
    for k, p in enumerate(pages[:5]):
        t = _text(p)
        for m in groups.iloc[k]["members"].split(";"):
            assert m in t, f"group page {k + 1} misses member {m}"
    first = set(groups.iloc[0]["members"].split(";"))
    assert set(CARTEL) <= first, "the planted cartel is not the first group"
    assert (pages[0].parent / pages[0].name.replace(".html", ".png")).stat().st_size > 5000


def test_index_says_what_was_analysed_and_how_cases_are_ordered(market):
    t = _text(market / "en" / "index.html")
    assert "40 tenders" in t and "12 firms" in t
    assert "composite score" in t
    assert "equal scores by the evidence strength, then by more distinct red-flag codes" in t
    assert "equal scores by more joint tenders" in t


def test_chinese_labels(market):
    idx = (market / "zh" / "index.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in idx and "分析了什么" in idx and "What was analysed" not in idx
    tender = _text(market / "zh" / "tenders" / "T2024-000001.html")
    assert "全部投标" in tender and "《招标投标法实施条例》第四十条第（一）项" in tender and "Every bid" not in tender
    css = (market / "zh" / "report.css").read_text(encoding="utf-8")
    assert "Noto Sans CJK SC" in css and "Microsoft YaHei" in css


@pytest.mark.slow
def test_existing_report_is_kept_unless_forced(market, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    run_cli("collusion", "report", market / "data", "--out", out, "--scores", market / "scores.csv", code=2,
            err="already exists")
    assert (out / "mine.txt").read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir()] == ["r"], "a refused run left a staging folder behind"
    run_cli("collusion", "report", market / "data", "--out", out, "--scores", market / "scores.csv", "--force")
    assert not (out / "mine.txt").exists() and (out / "index.html").exists()
    assert "read from" in _text(out / "index.html")


def test_bad_scores_file_is_one_line(market, tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("tender_id,points\nT2024-000001,0.5\n")
    r = run_cli("collusion", "report", market / "data", "--out", tmp_path / "r", "--scores", bad, code=2,
                err="missing column 'score'")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_report_settings_are_checked(market, tmp_path):
    s = tmp_path / "s.toml"
    s.write_text('[report]\nlang = "fr"\n')
    run_cli("--settings", s, "collusion", "report", market / "data", "--out", tmp_path / "r", code=2,
            err="[report] lang")
    s.write_text('[report]\ntop_tenders = 5\ntop_groups = 1\nlang = "zh"\n')
    run_cli("--settings", s, "collusion", "report", market / "data", "--out", tmp_path / "r2", "--scores",
            market / "scores.csv")
    assert len(_index_links(tmp_path / "r2", "tenders")) == 5
    assert len(_index_links(tmp_path / "r2", "groups")) == 1
    assert "分析了什么" in (tmp_path / "r2" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_scores_of_another_dataset_are_refused_and_strays_left_out(market, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("tender_id,score\nX-1,0.9\nX-2,0.1\n")
    run_cli("collusion", "report", market / "data", "--out", tmp_path / "r", "--scores", other, code=2,
            err="name none of this dataset's tenders")
    mixed = tmp_path / "mixed.csv"
    pd.read_csv(market / "scores.csv").assign(score=0.5).pipe(
        lambda s: pd.concat([pd.DataFrame({"tender_id": ["X-1"], "score": [0.99]}), s])).to_csv(mixed, index=False)
    run_cli("collusion", "report", market / "data", "--out", tmp_path / "r2", "--scores", mixed)
    assert not (tmp_path / "r2" / "tenders" / "X-1.html").exists()
    first = _index_links(tmp_path / "r2", "tenders")[0]
    assert first.stem == "T2024-000001" or "A40.1" in _text(first)  # equal scores: the evidence decides the order


def test_reasons_split_into_items_and_name_the_firms():
    from riskmodels.report.casefile import _Namer, _split_reasons

    namer = _Namer(pd.DataFrame({"enterprise_id": ["A1", "B2"], "name": ["甲公司", "乙公司"]}))
    text = "R053: A1 and B2 bid together in 8 tenders; A1 won 7 (88%) and B2 none; kurtosis of the bids 3.1 - highest 2%"
    assert _split_reasons(text, namer, {"A1", "B2"}) == [
        "R053: 甲公司 and 乙公司 bid together in 8 tenders; 甲公司 won 7 (88%) and 乙公司 none",
        "kurtosis of the bids 3.1 - highest 2%"]
    # an evidence sentence with a '; ' inside stays one item, in both languages, and the next label starts a new one
    from riskmodels.collusion.reasons import reason_text
    from riskmodels.report.i18n import labels

    r023 = ("R023: in 12 tenders together the prices of A1 and B2 were 1.34% apart (A1 higher in 2, B2 higher in 10); "
            "sd of the gap 0.0049 <= 0.005")
    tie = reason_text("max_relation", 3.53, 0.99)
    group = reason_text("group_score", 0.3, 0.83)
    items = _split_reasons("; ".join([r023, tie, group]), namer, {"A1", "B2"})
    assert len(items) == 3 and items[0].endswith("sd of the gap 0.0049 <= 0.005") and items[2].startswith("score of the")
    zh = _split_reasons("; ".join([r023, tie, group]), namer, {"A1", "B2"}, labels("zh"))
    assert len(zh) == 3 and all(not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}", z) for z in zh), zh


def test_pages_count_findings_say_how_common_a_shared_value_is_and_offer_wins_only_against_chance(market):
    t = " ".join(_text(market / "en" / "index.html").split())
    flags = pd.read_csv(market / "flags.csv", dtype=str)
    about_tenders = flags[flags["level"] != "bidder"] if "level" in flags else flags
    assert f"{len(about_tenders):,} red-flag findings about tenders" in t and "tender-findings" in t
    firm_pages = _pages(market / "en" / "firms")
    texts = [" ".join(_text(p).split()) for p in firm_pages]
    with_rel = [x for x in texts if "Shared by" in x]
    assert with_rel and all("1/(k-1)" in x for x in with_rel)
    for p in _pages(market / "en" / "groups"):
        g = " ".join(_text(p).split())
        for m in re.finditer(r"Members won (\d+) of the (\d+) decided joint tenders, more than the ([\d.]+) expected", g):
            assert int(m.group(1)) > float(m.group(3))  # never offered below chance
        assert "by chance about" not in g


@pytest.mark.slow
def test_tender_pages_show_their_status_and_every_verdict_from_the_case_store(market, tmp_path):
    """`collusion report --cases S`: a judged tender shows its current verdict and its history, the superseded verdict
    marked; the case list shows the status; a tender without a verdict says it is open."""
    data = market / "data"
    tenders = [p.stem for p in _index_links(market / "en", "tenders")[:3]]
    store = tmp_path / "cases.db"
    run_cli("cases", "verdict", data, "--store", store, "--tender", tenders[0], "--verdict", "unsure", "--by", "Li",
            "--note", "prices close; ask the buyer")
    run_cli("cases", "verdict", data, "--store", store, "--tender", tenders[0], "--verdict", "collusive", "--by", "Wang",
            "--note", "same device, confessed")
    run_cli("cases", "verdict", data, "--store", store, "--tender", tenders[1], "--verdict", "clean", "--by", "Li")
    for lang, words in (("en", ("confirmed collusive", "judged clean", "superseded", "Open: no verdict")),
                        ("zh", ("确认串通", "核查未发现串通", "已被后续结论取代", "待核查"))):
        out = tmp_path / lang
        run_cli("collusion", "report", data, "--out", out, "--cases", store, "--lang", lang, err="wrote")
        first, second, third = (_text(out / "tenders" / f"{t}.html") for t in tenders)
        assert words[0] in first and "Wang" in first and "same device, confessed" in first
        assert words[2] in first and "Li" in first and "prices close; ask the buyer" in first  # the earlier verdict kept
        assert first.index("Wang") < first.index("prices close")  # newest first
        assert words[1] in second and words[3] in third
        index = _text(out / "index.html")
        assert words[0] in index and words[1] in index
