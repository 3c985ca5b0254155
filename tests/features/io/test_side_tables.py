"""features.io.side_tables: side files read back as the toolkit wrote them, user days and languages checked, one cell rule."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from features.core.errors import InputError
from features.io.export import write_table
from features.io.side_tables import LANGS, cell_text, check_lang, parse_day, read_side_table


def test_every_reader_of_another_commands_output_reads_the_written_values(tmp_path):
    """Scores (credit --collusion-scores), groups (--groups), previous tiers (--previous) and label files read back as
    written, whatever the ids look like."""
    from riskmodels.collusion.pipeline import read_labels

    ids = ["=1+1", "-5", "+SUM(1)", "'=x", "@a", "T1"]
    scores = write_table(pd.DataFrame({"tender_id": ids, "score": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}), tmp_path / "s.csv")
    back = read_side_table(scores, ("tender_id", "score"))
    assert back["tender_id"].tolist() == ids and back["score"].tolist() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    groups = write_table(pd.DataFrame({"enterprise_id": ids, "group_id": ["-1"] * 6}), tmp_path / "g.csv")
    assert read_side_table(groups, ("group_id",))["enterprise_id"].tolist() == ids
    labels = write_table(pd.DataFrame({"tender_id": ids, "collusive": [1, 0, 1, 0, 1, 0]}), tmp_path / "l.csv")
    lab = read_labels(labels)
    assert lab["tender_id"].tolist() == ids and lab["collusive"].tolist() == [1, 0, 1, 0, 1, 0]


def test_parquet_side_table_and_empty_cells(tmp_path):
    pd.DataFrame({"enterprise_id": ["E1", "E2"], "tier": ["A", None]}).to_parquet(tmp_path / "t.parquet")
    t = read_side_table(tmp_path / "t.parquet", ("enterprise_id", "tier"))
    assert t["enterprise_id"].tolist() == ["E1", "E2"] and pd.isna(t["tier"].iloc[1])
    (tmp_path / "s.csv").write_text("tender_id,score\nT1,\nT2,oops\nT3,0.5\n", encoding="utf-8")
    s = read_side_table(tmp_path / "s.csv", ("tender_id", "score"))
    assert s["score"].isna().tolist() == [True, True, False] and s["score"].iloc[2] == 0.5  # empty and unreadable: missing


@pytest.mark.parametrize("text, required, message", [
    (None, ("enterprise_id",), "no such file"),
    ("enterprise_id,tier\nE1,A\n", ("enterprise_id", "as_of", "tier"), "missing column(s) as_of"),
    ('enterprise_id,tier\nE1,A,extra\n', ("enterprise_id",), "row 2 does not fit the header"),
])
def test_a_wrong_side_file_stops_naming_the_file(tmp_path, text, required, message):
    p = tmp_path / "side.csv"
    if text is not None:
        p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_side_table(p, required)
    assert str(p) in str(e.value) and message in str(e.value)


def test_parse_day_is_a_midnight_or_names_the_option():
    assert parse_day("2024-06-30", "--as-of") == pd.Timestamp("2024-06-30")
    assert parse_day("2024-06-30 17:45", "--as-of") == pd.Timestamp("2024-06-30")  # the day, not the hour
    with pytest.raises(InputError, match=r"--reference-as-of: not a date .*'someday'"):
        parse_day("someday", "--reference-as-of")


def test_check_lang():
    assert LANGS == ("en", "zh")
    assert [check_lang(x) for x in LANGS] == ["en", "zh"]
    with pytest.raises(InputError, match="--lang: expected one of en, zh; got 'fr'"):
        check_lang("fr")


@pytest.mark.parametrize("v, text", [(None, ""), (np.nan, ""), (pd.NA, ""), (pd.NaT, ""), (float("nan"), ""),
                                     ("  E1 ", "E1"), (3, "3"), (2.5, "2.5"), ("", ""), (np.float64("nan"), "")])
def test_cell_text(v, text):
    assert cell_text(v) == text


def test_cell_text_can_keep_the_spaces_a_label_was_written_with():
    assert cell_text(" Market supervision ", strip=False) == " Market supervision "
    assert cell_text(None, strip=False) == ""
