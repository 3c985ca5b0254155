"""Credit reasons in words: the features that moved one enterprise's risk most, with their values in plain units.

Input: per-row log-odds contributions (LightGBM `pred_contrib`, one column per feature plus `bias`) and the raw feature
values. Output: one string per row, the `top` largest contributions by size, each as "<what the record says> (raises risk)"
or "(lowers risk)", joined by "; " (Chinese: "；"). Feature names of `features.enterprise` are put in words; any other
feature (a column of a user's own table) is shown as "name = value".

With the tiering day `as_of`, windows are stated as dates ("in the 12 months before 2026-02-01"), so a reason about the
last year is not read as the firm's whole record; a count of zero says "no ... in <window>", never that the record is
clean. `record_facts` adds what the reasons must always show beside the model's: the firm's heaviest negative events of
the longest window, counted from the records themselves.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from features.io import codes

EVENT_WORDS = {
    codes.ADMINISTRATIVE_PENALTY: "administrative penalty",
    codes.ABNORMAL_OPERATION_LIST: "abnormal operation list entry",
    codes.SERIOUS_DISHONEST_LIST: "serious illegal and dishonest list entry",
    codes.DISHONEST_JUDGMENT_DEBTOR: "dishonest judgment debtor record",
    codes.TAX_CREDIT_GRADE: "tax credit grade",
    codes.COMMENDATION: "commendation",
    codes.COURT_JUDGMENT: "lost court case",
    codes.LOAN_DEFAULT: "loan default",
    "other": "other credit record",
}
TAX_GRADE_WORDS = {0: "A", 1: "B or M", 2: "C", 3: "D"}
_WIN = re.compile(r"^(?P<base>.+)_(?P<days>\d+)d$")


def window_words(days: int) -> str:
    if days % 365 == 0:
        y = days // 365
        return "year" if y == 1 else f"{y} years"
    return f"{days} days"


def window_phrase(days: int, as_of=None, lang: str = "en") -> str:
    """'in the last year' (no as_of); 'in the 12 months before 2026-02-01' / '2026-02-01 前 12 个月内' with it."""
    span_en = f"{days // 365 * 12} months" if days % 365 == 0 else f"{days} days"
    span_zh = f"{days // 365 * 12} 个月" if days % 365 == 0 else f"{days} 天"
    if as_of is None:
        return f"in the last {window_words(days)}" if lang == "en" else f"近{span_zh}内"
    d = pd.Timestamp(as_of).date().isoformat()
    return f"in the {span_en} before {d}" if lang == "en" else f"{d} 前 {span_zh}内"


def _n(v: float, word: str) -> str:
    n = int(round(v))
    return f"{n} {word}{'' if n == 1 else 's'}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def describe(feature: str, value, as_of=None, lang: str = "en") -> str:
    """A feature and its value as a phrase: ('administrative_penalty_n_365d', 3) -> '3 administrative penalties in the
    last year' ('... in the 12 months before 2026-02-01' with `as_of`; Chinese with lang "zh")."""
    if lang == "zh":
        return describe_zh(feature, value, as_of)
    missing = _missing(value)
    m = _WIN.match(feature)
    if m:
        base, days = m.group("base"), int(m.group("days"))
        when = window_phrase(days, as_of)
        if base.endswith("_n") and base[:-2] in EVENT_WORDS:
            word = EVENT_WORDS[base[:-2]]
            if missing or int(round(float(value))) == 0:
                return f"no {word} {when}"
            word = word[:-1] + "ie" if word.endswith("y") else word
            return f"{_n(value, word)} {when}"
        v = 0.0 if missing else float(value)
        phrases = {
            "negative_severity": f"severity of negative records {v:.0f} {when}",
            "serious_n": f"{_n(v, 'serious violation or default')} {when}",
            "penalty_amount": f"penalties of {v:,.0f} yuan {when}" if v else f"no penalty {when}",
            "insp_n": f"{_n(v, 'inspection')} {when}",
            "insp_fail_n": f"{_n(v, 'failed inspection')} {when}",
            "insp_not_found_n": f"not found at its address {_n(v, 'time')} {when}",
            "insp_penalty": f"inspection penalties of {v:,.0f} yuan {when}" if v else f"no inspection penalty {when}",
            "bid_n": f"{_n(v, 'bid')} {when}",
        }
        if base in phrases:
            return phrases[base]
        rates = {"insp_fail_rate": "failed", "bid_win_rate": "won", "bid_disq_rate": "disqualified in"}
        if base in rates:
            return f"no record {when} to rate" if missing else f"{rates[base]} {v:.0%} of {'inspections' if 'insp' in base else 'bids'} {when}"
        if base.startswith("bid_collusion"):
            return f"{'mean' if 'mean' in base else 'highest'} collusion score of its tenders {'missing' if missing else f'{v:.2f}'} {when}"
    if feature.endswith("_days_since"):
        base = feature[: -len("_days_since")]
        word = {"insp": "inspection", "insp_days_since_fail": "failed inspection"}.get(base, EVENT_WORDS.get(base, base.replace("_", " ")))
        return f"no {word} on record" if missing else f"last {word} {float(value):.0f} days ago"
    if feature == "insp_days_since_fail":
        return "no failed inspection on record" if missing else f"last failed inspection {float(value):.0f} days ago"
    if feature == "tax_grade_last":
        return "no tax credit grade on record" if missing else f"latest tax credit grade {TAX_GRADE_WORDS.get(int(value), value)}"
    if feature in ("on_serious_list", "on_abnormal_list"):
        name = "serious illegal and dishonest list" if feature == "on_serious_list" else "abnormal operation list"
        return f"{'on' if not missing and value else 'not on'} the {name}"
    if feature == "has_history":
        return "has credit or inspection records" if not missing and value else "no credit or inspection history"
    if feature == "age_days":
        return "establishment date unknown" if missing else f"in business {float(value) / 365.25:.1f} years"
    if feature == "log_capital":
        return "registered capital unknown" if missing else f"registered capital {10 ** float(value):,.0f} yuan"
    if feature == "n_shareholders":
        return _n(0 if missing else value, "shareholder")
    if feature == "ties_serious_legal_rep":
        return f"{_n(0 if missing else value, 'serious-list entry')} among firms with the same legal representative"
    if feature == "ties_serious_shareholder":
        return f"{_n(0 if missing else value, 'serious-list entry')} among firms linked by shareholding"
    if feature == "in_suspicious_group":
        return "member of a suspicious bidder group" if not missing and value else "in no suspicious bidder group"
    if feature == "group_size":
        return f"suspicious bidder group of {0 if missing else int(value)} firms"
    if missing:
        return f"{feature} missing"
    if isinstance(value, (int, float, np.number)):
        return f"{feature} = {float(value):.4g}"
    return f"{feature} = {value}"


EVENT_WORDS_ZH = {
    codes.ADMINISTRATIVE_PENALTY: "行政处罚", codes.ABNORMAL_OPERATION_LIST: "列入经营异常名录",
    codes.SERIOUS_DISHONEST_LIST: "列入严重违法失信名单", codes.DISHONEST_JUDGMENT_DEBTOR: "失信被执行人记录",
    codes.TAX_CREDIT_GRADE: "纳税信用等级记录", codes.COMMENDATION: "表彰", codes.COURT_JUDGMENT: "败诉裁判",
    codes.LOAN_DEFAULT: "贷款违约", "other": "其他信用记录",
}


def describe_zh(feature: str, value, as_of=None) -> str:
    """`describe` in Chinese (the same phrases, the same numbers)."""
    missing = _missing(value)
    m = _WIN.match(feature)
    if m:
        base, days = m.group("base"), int(m.group("days"))
        when = window_phrase(days, as_of, "zh")
        v = 0.0 if missing else float(value)
        if base.endswith("_n") and base[:-2] in EVENT_WORDS_ZH:
            word = EVENT_WORDS_ZH[base[:-2]]
            return f"{when}无{word}" if int(round(v)) == 0 else f"{when}{word} {int(round(v))} 次"
        phrases = {
            "negative_severity": f"{when}不良记录严重程度合计 {v:.0f}",
            "serious_n": f"{when}严重违法或违约 {v:.0f} 次",
            "penalty_amount": f"{when}罚款 {v:,.0f} 元" if v else f"{when}无罚款",
            "insp_n": f"{when}接受检查 {v:.0f} 次",
            "insp_fail_n": f"{when}检查不合格 {v:.0f} 次",
            "insp_not_found_n": f"{when}通过登记住所无法联系 {v:.0f} 次",
            "insp_penalty": f"{when}检查罚款 {v:,.0f} 元" if v else f"{when}无检查罚款",
            "bid_n": f"{when}投标 {v:.0f} 次",
        }
        if base in phrases:
            return phrases[base]
        rates = {"insp_fail_rate": "检查不合格率", "bid_win_rate": "中标率", "bid_disq_rate": "投标被否决率"}
        if base in rates:
            return f"{when}无可计算{rates[base]}的记录" if missing else f"{when}{rates[base]} {v:.0%}"
        if base.startswith("bid_collusion"):
            what = "所投项目串标评分均值" if "mean" in base else "所投项目串标评分最高值"
            return f"{when}{what}{'缺失' if missing else f' {v:.2f}'}"
    if feature == "insp_days_since_fail":
        return "无检查不合格记录" if missing else f"距上次检查不合格 {float(value):.0f} 天"
    if feature.endswith("_days_since"):
        base = feature[: -len("_days_since")]
        word = {"insp": "检查"}.get(base, EVENT_WORDS_ZH.get(base, base))
        return f"无{word}记录" if missing else f"距上次{word} {float(value):.0f} 天"
    if feature == "tax_grade_last":
        return "无纳税信用等级记录" if missing else f"最近纳税信用等级 {TAX_GRADE_WORDS.get(int(value), value)}"
    if feature in ("on_serious_list", "on_abnormal_list"):
        name = "严重违法失信名单" if feature == "on_serious_list" else "经营异常名录"
        return f"{'在' if not missing and value else '不在'}{name}中"
    if feature == "has_history":
        return "有信用或检查记录" if not missing and value else "无信用或检查记录"
    if feature == "age_days":
        return "成立日期不详" if missing else f"经营 {float(value) / 365.25:.1f} 年"
    if feature == "log_capital":
        return "注册资本不详" if missing else f"注册资本 {10 ** float(value):,.0f} 元"
    if feature == "n_shareholders":
        return f"股东 {0 if missing else int(value)} 名"
    if feature == "ties_serious_legal_rep":
        return f"同一法定代表人的企业中有 {0 if missing else int(value)} 条严重失信名单记录"
    if feature == "ties_serious_shareholder":
        return f"有股权关联的企业中有 {0 if missing else int(value)} 条严重失信名单记录"
    if feature == "in_suspicious_group":
        return "属于可疑投标团伙" if not missing and value else "不属于任何可疑投标团伙"
    if feature == "group_size":
        return f"所在可疑投标团伙共 {0 if missing else int(value)} 家企业"
    if missing:
        return f"{feature} 缺失"
    if isinstance(value, (int, float, np.number)):
        return f"{feature} = {float(value):.4g}"
    return f"{feature} = {value}"


DIRECTION = {"en": (" (raises risk)", " (lowers risk)"), "zh": ("（提高风险）", "（降低风险）")}
SEP = {"en": "; ", "zh": "；"}
NOTHING = {"en": "no record moved the risk away from the average", "zh": "没有记录使风险偏离平均水平"}


def reason_items(contrib: pd.DataFrame, X: pd.DataFrame, top: int = 3) -> list[list[tuple]]:
    """Per row, the `top` (feature, value, contribution) with the largest |contribution| (zero ones left out)."""
    feats = [c for c in contrib.columns if c != "bias"]
    C = contrib[feats].to_numpy(dtype=float)
    order = np.argsort(-np.abs(C), axis=1, kind="stable")[:, :max(1, int(top))]
    cols = {f: (X[f].to_numpy(dtype=object) if f in X.columns else np.full(len(X), None)) for f in feats}
    return [[(feats[j], cols[feats[j]][i], float(C[i, j])) for j in order[i] if abs(C[i, j]) >= 1e-9]
            for i in range(len(C))]


def render_items(items: list[tuple], lang: str = "en", as_of=None, facts: str = "") -> str:
    """One row's reasons as text: `facts` (from `record_facts`) first, then each item with its direction."""
    up, down = DIRECTION[lang]
    parts = [facts] if facts else []
    parts += [describe(f, v, as_of, lang) + (up if c > 0 else down) for f, v, c in items]
    return SEP[lang].join(parts) if parts else NOTHING[lang]


def reasons_in_words(contrib: pd.DataFrame, X: pd.DataFrame, top: int = 3, lang: str = "en", as_of=None) -> list[str]:
    """One string per row: the `top` features with the largest |contribution|, in words with their direction."""
    return [render_items(it, lang, as_of) for it in reason_items(contrib, X, top)]


FACT_KINDS = (codes.SERIOUS_DISHONEST_LIST, codes.DISHONEST_JUDGMENT_DEBTOR, codes.LOAN_DEFAULT, codes.COURT_JUDGMENT,
              codes.ADMINISTRATIVE_PENALTY, codes.ABNORMAL_OPERATION_LIST)  # heaviest first


def record_facts(events: pd.DataFrame | None, inspections: pd.DataFrame | None, ids, as_of, days: int,
                 lang: str = "en") -> dict:
    """enterprise_id -> the heaviest negative records of the `days` before `as_of`, counted from the records ("on record
    in the 36 months before 2026-02-01: 9 lost court cases, 2 administrative penalties (largest 5,000 yuan), 1 failed
    inspection"); firms without any are left out. Shown first among a tier's reasons, whatever the model weighed."""
    return facts_text(record_counts(events, inspections, ids, as_of, days), as_of, days, lang)


def record_counts(events: pd.DataFrame | None, inspections: pd.DataFrame | None, ids, as_of, days: int) -> dict:
    """enterprise_id -> {kind: (records, largest amount)} of the firms `ids`' negative records (`FACT_KINDS` and failed
    inspections) in the `days` before `as_of`: what `facts_text` writes, counted once for every language."""
    from features.enterprise import event_kind

    when = pd.Timestamp(as_of)
    start = when - pd.Timedelta(days=int(days))
    want = set(map(str, ids))
    counts: dict = {}
    if events is not None and len(events):
        e = pd.DataFrame({"e": events["enterprise_id"].astype(str), "d": pd.to_datetime(events["occurred_on"], errors="coerce"),
                          "k": event_kind(events["event_type"]).to_numpy(),
                          "a": pd.to_numeric(events.get("amount", pd.Series(np.nan, index=events.index)), errors="coerce")})
        e = e[(e["d"] >= start) & (e["d"] < when) & e["k"].isin(FACT_KINDS) & e["e"].isin(want)]
        g = e.groupby(["e", "k"]).agg(n=("d", "size"), a=("a", "max"))
        for (firm, k), n, a in zip(g.index, g["n"].to_numpy(), g["a"].to_numpy(float)):
            counts.setdefault(firm, {})[k] = (int(n), a)
    if inspections is not None and len(inspections) and "result" in inspections.columns:
        i = pd.DataFrame({"e": inspections["enterprise_id"].astype(str),
                          "d": pd.to_datetime(inspections["inspected_on"], errors="coerce"),
                          "r": inspections["result"].astype(str).str.strip().str.lower()})
        i = i[(i["d"] >= start) & (i["d"] < when) & (i["r"] == codes.INSPECTION_FAIL) & i["e"].isin(want)]
        for firm, n in i.groupby("e").size().items():
            counts.setdefault(firm, {})["inspection_fail"] = (int(n), np.nan)
    return counts


def facts_text(counts: dict, as_of, days: int, lang: str = "en") -> dict:
    """enterprise_id -> the sentence of `record_facts` in `lang` from `record_counts`."""
    window = window_phrase(int(days), pd.Timestamp(as_of), lang)
    out = {}
    for firm, c in counts.items():
        parts = []
        for k in (*FACT_KINDS, "inspection_fail"):
            if k not in c:
                continue
            n, amount = c[k]
            if lang == "zh":
                word = "检查不合格" if k == "inspection_fail" else EVENT_WORDS_ZH.get(k, k)
                parts.append(f"{word} {n} 次" + (f"（最高 {amount:,.0f} 元）" if k == codes.ADMINISTRATIVE_PENALTY
                                                 and np.isfinite(amount) and amount > 0 else ""))
            else:
                word = "failed inspection" if k == "inspection_fail" else EVENT_WORDS.get(k, k)
                if n != 1:
                    word = word[:-1] + "ies" if word.endswith("y") else word + "s"
                parts.append(f"{n} {word}" + (f" (largest {amount:,.0f} yuan)" if k == codes.ADMINISTRATIVE_PENALTY
                                               and np.isfinite(amount) and amount > 0 else ""))
        if parts:
            out[firm] = (f"{window}在案：" + "、".join(parts)) if lang == "zh" else f"on record {window}: " + ", ".join(parts)
    return out
