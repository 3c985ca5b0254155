"""features.io.plots.picture_language: without a CJK font, Chinese pictures fall back to English labels with one clear
warning (never boxes for missing glyphs); the decision analysis' charts follow it."""
from __future__ import annotations

import logging

from features.io import plots as export


def test_missing_cjk_font_is_found_before_drawing(monkeypatch, caplog):
    monkeypatch.setattr(export, "cjk_fonts", lambda: [])
    monkeypatch.setattr(export, "_WARNED", [])
    with caplog.at_level(logging.WARNING, logger="riskmodels.fonts"):
        assert export.picture_language("zh", "charts") == "en"
        assert export.picture_language("zh", "charts") == "en"
    warnings = [r for r in caplog.records if r.name == "riskmodels.fonts"]
    assert len(warnings) == 1 and "no Chinese (CJK) font" in warnings[0].getMessage()
    assert export.picture_language("en") == "en"
    monkeypatch.setattr(export, "cjk_fonts", lambda: ["Noto Sans CJK SC"])
    assert export.picture_language("zh") == "zh"


def test_decision_charts_are_labelled_in_english_without_a_cjk_font(monkeypatch):
    import pandas as pd

    from riskmodels.inspection import analysis

    monkeypatch.setattr(export, "cjk_fonts", lambda: [])
    seen = []
    real = analysis._png

    def spy(fig):
        seen.extend(t.get_text() for ax in fig.axes for t in [ax.xaxis.label, ax.yaxis.label, *ax.get_yticklabels()])
        return real(fig)

    monkeypatch.setattr(analysis, "_png", spy)
    a = {"lang": "zh", "by_department_tier": pd.DataFrame({"department": ["tax"], "department_label": ["税务"], "tier": ["A"],
                                                           "planned": [2], "done": [1]}),
         "burden": pd.DataFrame({"tier": list("ABCD"), "inspections_per_firm_per_year": [1.0] * 4,
                                 "violations_per_inspection": [0.1] * 4}),
         "coverage": pd.DataFrame(), "estimate": pd.DataFrame(columns=["estimate"])}
    out = analysis.charts(a, analysis.TEXT["zh"])
    assert out[0][0] == analysis.TEXT["zh"]["chart_planned"]  # the page's titles stay Chinese
    assert seen and not any("\u4e00" <= ch <= "\u9fff" for t in seen for ch in t), seen  # the pictures carry no CJK text
