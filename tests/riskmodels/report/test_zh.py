"""riskmodels.report.zh: every sentence template the flags and the collusion reasons write has a Chinese rule, numbers,
ids and values kept as written."""
from __future__ import annotations

import re

import pytest

from riskmodels.report.zh import evidence_zh, reason_zh, to_zh

EVIDENCE = [
    "R022: the 4 valid bids range from 1,000 to 2,500.5; coefficient of variation 0.412 >= fence 0.300 (Q3 + 1.5 IQR over 120 tenders)",
    "R023: in 5 tenders together the prices of F1 and F2 were 3.00% apart (F1 above F2 every time); sd of the gap 0.0010 <= 0.005",
    "R023: in 5 tenders together the prices of F1 and F2 were 3.00% apart (F1 higher in 3, F2 higher in 2); sd of the gap 0.0010 <= 0.005",
    "R029: over 30 valid bids of F9, first digits depart from Benford's law (chi-square p = 0.0012 < 0.01; MAD 0.0312); "
    "40% of prices are round (<= 2 significant digits), fence 25%",
    "R034: F1 -> F2 -> F3 submitted in this order in 4 of the 5 tenders they all bid in (chance of one order recurring: 0.17)",
    "R053: F1 and F2 bid together in 8 tenders; F1 won 7 (88%) and F2 none",
    "R057: F1 and F2 bid together in 9 tenders and took turns winning: F1 won 4, F2 won 5 (100% of them)",
    "Pattern evidence under Article 39(2) (agreeing who wins): F1 and F2 bid together in 8 tenders; F1 won 7 (88%) and F2 none",
    "Pattern evidence under Article 39(1) (negotiating bid prices): in 5 tenders together the prices of F1 and F2 were 3.00% "
    "apart (F2 above F1 every time); sd of the gap 0.0010 <= 0.005",
    "Article 40(1): the bids of F1 and F2 in tender T7 were made on the same device 'DEV-1' and were uploaded from the same "
    "IP address '10.0.0.1'",
    "Article 40(2): the bids of F1 and F2 in tender T7 were handled by the same agent 'AG, Ltd' (who acts for 3 bidders in "
    "this dataset)",
    "Article 40(3): the bids of F1 and F2 in tender T7 name the same project manager 'PM-9'",
    "Article 40(6): the bids of F1 and F2 in tender T7 had their deposits paid from the same account '6222'",
    "Article 40(4): the bids of F1 and F2 in tender T7 contain the same file, hash 'ab12'",
    "Article 34: F1 and F2, both bidding in tender T7, have the same legal representative 'LR1'; F1 holds a controlling "
    "share of F2",
    "Article 34: F1 and F2, both bidding in tender T7, are both controlled by 'H1'",
    "Article 40(4): the bills of F1 and F2 in tender T7 price 12 of 14 shared bill items identically; share 1 identically "
    "priced odd item(s); miss their itemised totals by the same amount",
    "Article 40(4): the 4 valid bids in tender T7 form an arithmetic progression (100.00, 110.00, 120.00, 130.00)",
    "Article 40(4): 4 of the 6 valid bids in tender T7 form a geometric progression in a row (1.00, 2.00, 4.00, 8.00, 9.00)",
    "R018 Single bid received: tender T7, value 1",
    "R025 Excessive unsuccessful bids: bidder F1, value 12",
]
ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z]{2,}\b[ ,;:()'’-]+){3,}\b[A-Za-z]{2,}\b")


@pytest.mark.parametrize("text", EVIDENCE)
def test_every_evidence_template_reads_in_chinese_with_its_values(text):
    zh = evidence_zh(text)
    assert zh is not None, text
    assert not ENGLISH_RUN.findall(zh), zh
    for v in re.findall(r"\b(?:F\d|T7|DEV-1|10\.0\.0\.1|PM-9|6222|0\.0312|88%|100\.00)\b", text):
        assert v in zh, (v, zh)


@pytest.mark.parametrize("text, want", [
    ("bid spread (max-min)/min 0.8% - lowest 3% of the market", "报价极差 (最高-最低)/最低 0.8%，处于市场中最低的 3%"),
    ("coefficient of variation of the bids: highest 2% of the market", "报价变异系数：市场中最高的 2%"),
    ("number of red flags raised 3", "触发的红旗数 3"),
    ("red flag R024 raised", "红旗 R024（报价接近中标价）已触发"),
    ("only 2 valid bids of 5 reported bidders: too few for bid screens (they need 3)",
     "仅 2 份有效投标（来源报告投标人 5 名）：不足以计算报价筛查指标（需要 3 份）"),
    ("1 bidder bid more than once in this tender (`data validate` lists the rows)",
     "1 名投标人在本项目中多次投标（`data validate` 列出这些行）"),
])
def test_score_reasons_read_in_chinese(text, want):
    assert reason_zh(text) == want


def test_unknown_sentences_are_kept_as_written():
    assert to_zh("something the rules do not know") == "something the rules do not know"
    assert evidence_zh("Article 40(1): the bids of F1 and F2 in tender T7 were painted blue 'x'") is None
