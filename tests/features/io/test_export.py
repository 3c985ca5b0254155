"""features.io.export: formula-safe cells read back exactly, whole-or-absent outputs, no overwrite without --force, usual permissions."""
from __future__ import annotations
from pathlib import Path
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from features.io.export import CONTROL, atomic_dir, escape_cell, refuse_overwrite, safe_frame, unescape_cell, write_table
from features.io.read import read_raw
from tests.hostile import FAST, FORMULA, _bids
import os
from markdown_it import MarkdownIt
from features.io import export
from features.core.errors import InputError
from features.io.export import check_apart, md_code, md_text, note_input, write_text


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
    cli("inspect", "plan", d, "--tiers", f, "--period", "2027-01", "--seed", "s", "--out", f, code=2, err="already exists")
    r = cli("inspect", "plan", d, "--tiers", f, "--period", "2027-01", "--seed", "s", "--out", f, "--force", code=2)
    assert f.read_text() == "x", r.stderr  # the input named as the output folder is never replaced, --force or not
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


def test_safe_frame_escapes_a_column_backed_by_a_read_only_array():
    """A frame may hand out its text columns as read-only arrays (copy-on-write views); escaping must not write into
    them (the case list of `collusion score` with formula-looking firm names stopped with exit 1 this way)."""
    import pandas as pd


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


def test_parquet_written_a_part_at_a_time_reads_back_as_the_whole(tmp_path):
    """Parts brought one at a time make one file that reads back as the whole table (categoricals as their values;
    a column empty in the first parts takes the type of the first part that has a value); a part that does not fit
    stops the write and leaves no file."""
    from features.io.export import write_parquet_parts

    ids = pd.CategoricalDtype(["a", "b", "c", "d"])
    parts = [pd.DataFrame({"k": pd.Categorical(["a"], dtype=ids), "x": [1.5], "t": [None]}),
             pd.DataFrame({"k": pd.Categorical([], dtype=ids), "x": pd.Series([], dtype=float), "t": pd.Series([], dtype=object)}),
             pd.DataFrame({"k": pd.Categorical(["b", "d"], dtype=ids), "x": [float("nan"), -2.0], "t": ["=1+2", None]})]
    path = write_parquet_parts(iter(parts), tmp_path / "p.parquet")
    back = pd.read_parquet(path)
    assert back["k"].astype(object).tolist() == ["a", "b", "d"] and back["t"].tolist()[1] == "=1+2"
    assert back["x"].tolist()[::2] == [1.5, -2.0] and pd.isna(back["x"].iloc[1]) and back["t"].isna().tolist() == [True, False, True]
    bad = [parts[0], pd.DataFrame({"other": [1]})]
    with pytest.raises(ValueError, match="columns"):
        write_parquet_parts(iter(bad), tmp_path / "q.parquet")
    assert not (tmp_path / "q.parquet").exists() and sorted(x.name for x in tmp_path.iterdir()) == ["p.parquet"]
    empty = write_parquet_parts(iter([parts[1]]), tmp_path / "e.parquet")
    assert len(pd.read_parquet(empty)) == 0
    with pytest.raises(InputError):
        write_parquet_parts(iter(parts), tmp_path / "p.csv")
