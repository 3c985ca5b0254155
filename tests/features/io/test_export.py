"""features.io.export: outputs whole or absent through exclusive temporary files, apart from the inputs, and public
Markdown text that stays text."""
from __future__ import annotations

import os

import pytest
from markdown_it import MarkdownIt

from features.io import export
from features.core.errors import InputError
from features.io.export import atomic_dir, check_apart, md_code, md_text, note_input, write_text


@pytest.fixture(autouse=True)
def _fresh_inputs():
    export.forget_inputs()
    yield
    export.forget_inputs()


def test_links_planted_at_temporary_names_are_never_followed(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (outside / "ledger.txt").write_text("precious\n")
    for name in (".page.html.tmp", "page.html.tmp", ".page.html.partial", "page.html~", ".page.html.new"):
        os.symlink(outside / "ledger.txt", out / name)
    for name in (".index.html.tmp", "index.html.tmp"):
        os.symlink(outside / "absent.txt", out / name)
    write_text(out / "page.html", "<p>hi</p>")
    write_text(out / "index.html", "<p>index</p>")
    assert (out / "page.html").read_text() == "<p>hi</p>" and not (out / "page.html").is_symlink()
    assert (outside / "ledger.txt").read_text() == "precious\n" and not (outside / "absent.txt").exists()
    assert sorted(p.name for p in outside.iterdir()) == ["ledger.txt"]


def test_an_output_that_is_holds_or_lies_in_an_input_is_refused_even_when_replacing(tmp_path):
    data = tmp_path / "work" / "data"
    (data / "roster").mkdir(parents=True)
    (data / "bids.csv").write_text("tender_id\n")
    (tmp_path / "work" / "tiers.csv").write_text("enterprise_id,tier\n")
    note_input(data, "dataset")
    note_input(data / "roster")
    note_input(data / "bids.csv")
    note_input(tmp_path / "work" / "tiers.csv")
    for folder in (data, tmp_path / "work", data / "roster", data / "plan", tmp_path):
        with pytest.raises(InputError, match="--force does not change this"):
            check_apart(folder, folder=True)
        with pytest.raises(InputError):
            with atomic_dir(folder):
                pass
    for f in (data / "bids.csv", tmp_path / "work" / "tiers.csv", data / "roster" / "part-9.parquet"):
        with pytest.raises(InputError, match="the output (is|lies inside) the input"):
            write_text(f, "x")
    assert (data / "bids.csv").read_text() == "tender_id\n" and (data / "roster").is_dir()
    check_apart(tmp_path / "elsewhere", folder=True)  # apart: fine
    check_apart(data / "scores.csv")  # a new file beside the tables replaces nothing
    export.forget_inputs()
    check_apart(data, folder=True)


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>\n\n## Notice withdrawn: no inspections this month",
    "s1` <img src=x onerror=alert(2)>",
    "# heading", "- item", "1. first", "> quote", "[link](http://x)", "![img](x)", "a | b", "*em* _em_ ~~del~~",
    "&lt;script&gt;", "\\<b>", "line\r\nbreak\u2028more",
])
def test_markdown_text_and_code_stay_text(value):
    md = MarkdownIt("commonmark").enable("table")
    for doc in (f"| x | y |\n|---|---|\n| {md_text(value)} | 1 |\n", f"start {md_text(value)} end\n", md_text(value) + "\n",
                f"- seed: {md_code(value)}\n"):
        tokens = md.parse(doc)
        html = md.render(doc)
        assert "<script" not in html and "<img" not in html and "<b>" not in html and "<a " not in html, (value, html)
        assert not [t for t in tokens if t.type in ("heading_open", "blockquote_open", "html_block", "html_inline",
                                                   "link_open", "image", "em_open", "s_open")], (value, doc)
        if doc.startswith("|"):
            row = [t for t in tokens if t.type == "td_open"]
            assert len(row) == 2, (value, doc)  # the value stays in its cell


def test_markdown_renders_the_value_as_it_was():
    md = MarkdownIt("commonmark")
    for value in ("Dept $\\foo{$", "a*b*c", "<x>", "market_regulation", "x|y"):
        inline = md.parseInline(md_text(value))[0].children
        assert "".join(t.content for t in inline) == value
