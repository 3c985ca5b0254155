"""The case file as people see it: rendered in headless Chromium (Debian's `chromium`), in English and Chinese, on
screen and printed; plus the orders and pictures the pages rest on."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from tests.riskmodels.report.casefiles import write_market
from tests.conftest import run_cli


CHROMIUM = Path("/usr/bin/chromium")


def _chromium(*args, timeout=120):
    if not CHROMIUM.exists():
        pytest.skip("headless rendering needs Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)")
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        return subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update", "--no-first-run",
                               f"--user-data-dir={profile}", *args], capture_output=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("headless rendering needs Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)")
    d = tmp_path_factory.mktemp("render")
    data = write_market(d / "data")
    run_cli("collusion", "report", data, "--out", d / "en")
    run_cli("collusion", "report", data, "--out", d / "zh", "--lang", "zh")
    return d


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_render_in_chromium(reports, lang, tmp_path):
    """Index, a tender, a group and a firm page each render to a non-blank screenshot; Chromium reads the page text
    as the data (the markup firm name is text in the DOM, and no script from the data ran)."""
    root = reports / lang
    pages = [root / "index.html", root / "tenders" / "T2024-000001.html"]
    if lang == "en":  # the other kinds of page once (the Chinese ones share their templates)
        pages += [root / "groups" / "group-0001.html", sorted((root / "firms").glob("*.html"))[0]]
    for page in pages:
        png = tmp_path / f"{page.stem}.png"
        _chromium(f"--screenshot={png}", "--window-size=1400,1800", page.as_uri())
        assert png.exists() and png.stat().st_size > 20000, f"{page.name} did not render"
    dom = _chromium("--dump-dom", (root / "tenders" / "T2024-000001.html").as_uri()).stdout.decode("utf-8")
    assert "&lt;script&gt;alert" in dom and "<script>alert" not in dom


@pytest.mark.slow
def test_tender_page_prints_as_a_case_file(reports, tmp_path):
    pdf = tmp_path / "tender.pdf"
    _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", (reports / "en" / "tenders" / "T2024-000001.html").as_uri())
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20000
    css = (reports / "en" / "report.css").read_text(encoding="utf-8")
    assert "@media print" in css and "@page" in css


def test_tender_order_breaks_equal_scores_by_evidence():
    from riskmodels.collusion.caselist import tender_order

    scores = pd.DataFrame({"tender_id": ["t1", "t2", "t3", "t4", "t5"], "score": [1.0, 1.0, 1.0, 1.0, 0.9]})
    findings = pd.DataFrame({"tender_id": ["t2", "t2", "t3", "t3", "t3", "t4"],
                             "code": ["A34", "A40.1", "A34", "A34", "A34", "A34"]})
    graph = pd.DataFrame({"tender_id": ["t1", "t4"], "group_score": [0.0, 0.7]})
    o = tender_order(scores, findings, graph)
    # t2: 2 codes; t3: 1 code, 3 findings; t4: 1 code, 1 finding, group 0.7; t1: nothing; t5: lower score
    assert list(o["tender_id"]) == ["t2", "t3", "t4", "t1", "t5"] and list(o["rank"]) == [1, 2, 3, 4, 5]
    same = tender_order(pd.DataFrame({"tender_id": ["b", "a"], "score": [0.5, 0.5]}))
    assert list(same["tender_id"]) == ["a", "b"]  # total: the id decides last


def test_rank_groups_is_the_one_total_order():
    from graphs.groups import rank_groups

    g = pd.DataFrame({"group_id": [7, 8, 9, 10], "members": ["d;e", "a;b", "c;f", "g;h;i"], "score": [0.5, 0.5, 0.5, 0.9],
                      "evidence": "", "size": [2, 2, 2, 3], "n_joint": [4, 6, 6, 1],
                      "exclusivity": [0.9, 0.3, 0.3, 0.1]})
    r = rank_groups(g)
    assert list(r["members"]) == ["g;h;i", "a;b", "c;f", "d;e"] and list(r["group_id"]) == [1, 2, 3, 4]


def test_group_picture_numbers_members_and_names_them_in_a_key(tmp_path):
    from graphs.export import draw_group, picture_labels, picture_nodes

    G = nx.Graph()
    members = [f"F{i:02d}" for i in range(15)]
    for i, a in enumerate(members):
        G.add_node(a, name=f"深圳市成员{i:02d}有限公司")
        for b in members[i + 1:]:
            G.add_edge(a, b, weight=0.6, relations="device_id" if i % 3 == 0 else "legal_rep" if i % 3 == 1 else "")
    for k in range(10):
        G.add_edge(members[k], f"X{k}", weight=0.1 * k, relations="")
    mem, ctx = picture_nodes(G, members, context=6)
    assert mem == members and ctx == [f"X{k}" for k in (9, 8, 7, 6, 5, 4)]
    labels = picture_labels(mem, ctx)
    assert [labels[m] for m in mem] == [str(i) for i in range(1, 16)] and labels["X9"] == "A"
    png = draw_group(G, members, tmp_path / "g.png", title="15 members")
    from matplotlib.image import imread

    img = imread(png)
    assert img.shape[1] > img.shape[0] > 500  # room for the key beside the graph
    assert np.asarray(img).std() > 0.05
    bare = imread(draw_group(G, members, tmp_path / "bare.png", key=False))
    assert bare.shape[1] < 0.75 * img.shape[1]  # without the key (the report prints it in HTML) only the graph
    assert draw_group(G, members, tmp_path / "g.svg").read_text().startswith("<?xml")
    assert draw_group(G, members[:3], tmp_path / "small.png").stat().st_size > 10000


def test_chinese_picture_words_cover_every_legend_word():
    from graphs.export import LEGEND_WORDS
    from riskmodels.report.i18n import labels

    zh = labels("zh").picture_words()
    assert set(zh) == set(LEGEND_WORDS) and labels("en").picture_words() is None


def test_page_names_are_safe_and_distinct():
    from riskmodels.report.site import page_name

    assert page_name("T2024-000001") == "T2024-000001.html"
    odd = [page_name(x) for x in ("../../etc/passwd", "a/b", "a_b", "公司", "", "a b")]
    assert all("/" not in n and not n.startswith(".") and n.endswith(".html") for n in odd)
    assert len(set(odd)) == len(odd) and page_name("a/b") != page_name("a_b")
