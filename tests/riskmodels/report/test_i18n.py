"""riskmodels.report.i18n: every label in both languages, Chinese falling back to English, never to an empty string."""
from __future__ import annotations

import pytest

from riskmodels.report.i18n import EN, LANGS, ZH, labels


def test_chinese_labels_cover_english_or_fall_back():
    zh, en = labels("zh"), labels("en")
    assert set(zh) == set(en) == set(EN) | set(ZH)
    assert all(isinstance(v, str) and v for v in zh.values() if isinstance(v, str))
    missing = set(EN) - set(ZH)
    assert all(zh[k] == EN[k] for k in missing)  # a label missing from Chinese is the English one
    assert all(zh[k] == ZH[k] for k in ZH)
    assert en.lang == "en" and zh.lang == "zh" and LANGS == ("en", "zh")


def test_attribute_access_for_templates_and_unknown_language():
    en = labels("en")
    key = next(iter(EN))
    assert getattr(en, key) == EN[key]
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        labels("fr")
