"""The toolkit's own sentences in Chinese: red-flag evidence texts and the reasons of a tender's score.

The flags (`features.indicators`, `features.legal`) and the collusion reasons (`riskmodels.collusion.reasons`) write their
sentences in English from fixed templates; the files they write (flags.csv, scores.csv) keep them so. A page in Chinese
shows them through `to_zh`, which recognises each template and writes it again in Chinese with the same numbers, ids and
values (data stays as written). A sentence no rule knows is returned unchanged, so nothing is lost; `tests` hold every
template the flags write to a rule (`tests/riskmodels/report/test_zh.py`).
"""
from __future__ import annotations

import re

from riskmodels.report.i18n import ARTICLES, FLAGS

ARTICLE_ZH = {en: f"《招标投标法实施条例》{zh}" for en, zh in ARTICLES.values()}
CLAUSE_ZH = {"Article 39(2) (agreeing who wins)": "《招标投标法实施条例》第三十九条第（二）项（约定中标人）",
             "Article 39(1) (negotiating bid prices)": "《招标投标法实施条例》第三十九条第（一）项（协商投标报价）",
             **ARTICLE_ZH}
SHARED_ZH = {
    "were made by the same file creator": "由同一文件创建者制作",
    "were made on the same device": "在同一设备上制作",
    "were made on a machine with the same MAC address": "在 MAC 地址相同的机器上制作",
    "were uploaded from the same IP address": "从同一 IP 地址上传",
    "were signed with the same CA certificate": "使用同一 CA 数字证书签章",
    "were handled by the same agent": "由同一代理机构办理",
    "name the same project manager": "载明同一项目负责人",
    "had their deposits paid from the same account": "投标保证金从同一账户转出",
    "contain the same file, hash": "包含同一文件，哈希值",
}
VOCABULARY_ZH = {
    "number of bids": "投标数", "coefficient of variation of the bids": "报价变异系数", "bid spread (max-min)/min": "报价极差 (最高-最低)/最低",
    "gap between the two lowest bids": "最低两份报价之差", "relative distance of the winner (gap / sd of losing bids)":
    "中标价相对距离（差距 / 落标报价标准差）", "normalised relative distance of the winner": "中标价标准化相对距离",
    "alternative relative distance of the winner": "中标价相对距离（替代算法）", "kurtosis of the bids": "报价峰度",
    "skewness of the bids": "报价偏度", "Kolmogorov-Smirnov distance of the bids from uniform": "报价与均匀分布的 KS 距离",
    "winning bid / reserve price": "中标价 / 最高限价", "lowest bid / reserve price": "最低报价 / 最高限价",
    "position of the winning bid (0 = lowest, 1 = highest)": "中标报价位置（0 = 最低，1 = 最高）",
    "winning bid above the lowest bid by": "中标价高于最低报价", "number of red flags raised": "触发的红旗数",
    "smallest gap between two bids": "两份报价之间的最小差距", "share of bid pairs within 0.5% of each other": "报价相差 0.5% 以内的投标对比例",
    "most bid metadata (IP, MAC, device, file creator, CA serial, deposit account...) shared by two bids":
    "两份投标共用的元数据最多项数（IP、MAC、设备、文件创建者、CA 证书、保证金账户等）",
    "share of bid pairs sharing metadata": "共用元数据的投标对比例", "bidders with more than one bid in the tender": "同一项目多次投标的投标人",
    "red flags naming a person, document, agent or account the bidders share": "指向投标人共用人员、文件、代理或账户的红旗",
    "red flags on bidding patterns (rotation, recurrent winner, price gaps, regular prices)": "投标模式红旗（轮流中标、固定中标人、报价差距、规律报价）",
    "share of the bidders from one suspicious bidder group": "来自同一可疑团伙的投标人比例",
    "score of the bidder group most present": "出现最多的投标人团伙的评分",
    "score of the bidder group most present among its bidders (0-1, graph groups' ranking score)":
    "投标人中出现最多的团伙的评分（0-1；团伙排名评分）",
    "strongest registry/metadata relation between two bidders": "两名投标人之间最强的登记/元数据关联",
    "tie strength of the most closely tied pair of bidders": "关联最紧密的一对投标人的关联强度",
    "bidder pairs tied by a registry or metadata relation": "存在登记或元数据关联的投标人对",
    "tenders bid together": "共同投标项目数", "share of the less active firm's tenders bid together": "较少投标一方的项目中共同投标的比例",
    "mean price gap between the two firms' bids": "两家企业报价的平均差距", "smallest price gap between the two firms' bids": "两家企业报价的最小差距",
    "mean log price ratio of the two firms": "两家企业报价对数比的均值",
    "sd of the log price ratio across shared tenders (low = fixed coefficient)": "共同项目中报价对数比的标准差（低 = 固定系数）",
    "tenders where their bids share metadata": "投标共用元数据的项目数", "shortest time between their submissions (s)": "两者递交的最短时间间隔（秒）",
    "mean time between their submissions (s)": "两者递交的平均时间间隔（秒）", "cosine similarity of their unit prices": "单价的余弦相似度",
    "correlation of their unit prices": "单价的相关系数", "share of identically priced bill items": "报价完全相同的清单项比例",
    "identically priced odd bill items": "报价相同的异常清单项", "bills with the same wrong total": "合计错误相同的清单",
    "share of joint tenders won by the more successful firm": "共同投标中较成功一方的中标比例",
    "difference of their win shares in joint tenders": "共同投标中双方中标比例之差",
    "registry relation strength (legal rep, shareholders, address, phone...)": "登记关联强度（法定代表人、股东、地址、电话等）",
}
_ARITH = {"an arithmetic": "等差", "a geometric": "等比"}
_LEVEL = {"tender": "项目", "bidder": "投标人", "buyer": "采购人"}


def _flag(code: str) -> str:
    return FLAGS.get(code, (code, code))[1]


def _body(code: str, body: str) -> str | None:
    """The body of an OCP flag's evidence (after 'R0NN: ') in Chinese, None when no rule knows it."""
    m = re.fullmatch(r"the (\d+) valid bids range from (.+?) to (.+?); coefficient of variation ([\d.]+) >= fence ([\d.]+) "
                     r"\(Q3 \+ 1\.5 IQR over (\d+) tenders\)", body)
    if m:
        n, lo, hi, cv, fence, k = m.groups()
        return f"{n} 份有效报价从 {lo} 到 {hi}；变异系数 {cv} ≥ 阈值 {fence}（{k} 个项目的 Q3 + 1.5 IQR）"
    m = re.fullmatch(r"in (\d+) tenders together the prices of (.+?) and (.+?) were ([\d.]+%) apart \((.+)\); "
                     r"sd of the gap ([\d.]+) <= ([\d.]+)", body)
    if m:
        n, a, b, gap, who, sd, tol = m.groups()
        w = re.fullmatch(r"(.+) above (.+) every time", who)
        h = re.fullmatch(r"(.+) higher in (\d+), (.+) higher in (\d+)", who)
        who_zh = f"{w.group(1)} 每次都高于 {w.group(2)}" if w else \
            f"{h.group(1)} 较高 {h.group(2)} 次，{h.group(3)} 较高 {h.group(4)} 次" if h else who
        return f"{a} 与 {b} 在共同投标的 {n} 个项目中报价相差 {gap}（{who_zh}）；差距的标准差 {sd} ≤ {tol}"
    m = re.fullmatch(r"over (\d+) valid bids of (.+?), (.+)", body)
    if m:
        n, who, rest = m.groups()
        parts = []
        for r in re.split(r"; (?=\d+% of prices|first digits)", rest):
            b = re.fullmatch(r"first digits depart from Benford's law \(chi-square p = (\S+) < (\S+); MAD (\S+)\)", r)
            s = re.fullmatch(r"(\d+%) of prices are round \(<= (\d+) significant digits\), fence (\d+%)", r)
            parts.append(f"首位数字偏离本福特定律（卡方检验 p = {b.group(1)} < {b.group(2)}；MAD {b.group(3)}）" if b else
                         f"{s.group(1)} 的报价为整数（有效数字不超过 {s.group(2)} 位），阈值 {s.group(3)}" if s else r)
        return f"{who} 的 {n} 份有效报价中，" + "；".join(parts)
    m = re.fullmatch(r"(.+) submitted in this order in (\d+) of the (\d+) tenders they all bid in "
                     r"\(chance of one order recurring: (\S+)\)", body)
    if m:
        seq, k, n, c = m.groups()
        return f"{seq} 在其共同参与的 {n} 个项目中有 {k} 个按此顺序递交（同一顺序重复出现的概率：{c}）"
    m = re.fullmatch(r"(.+?) and (.+?) bid together in (\d+) tenders; \1 won (\d+) \((\d+%)\) and \2 none", body)
    if m:
        w, lo, n, x, s = m.groups()
        return f"{w} 与 {lo} 共同投标 {n} 个项目；{w} 中标 {x} 个（{s}），{lo} 一个未中"
    m = re.fullmatch(r"(.+?) and (.+?) bid together in (\d+) tenders and took turns winning: \1 won (\d+), \2 won (\d+) "
                     r"\((\d+%) of them\)", body)
    if m:
        a, b, n, x, y, s = m.groups()
        return f"{a} 与 {b} 共同投标 {n} 个项目并轮流中标：{a} 中标 {x} 个，{b} 中标 {y} 个（占其中 {s}）"
    return None


def _shared(rest: str) -> str | None:
    """'were made on the same device 'D1' and were handled by the same agent 'X' (who acts for 3 bidders ...)'."""
    words = "|".join(re.escape(w) for w in sorted(SHARED_ZH, key=len, reverse=True))
    rx = re.compile(rf"({words}) '(.*?)'(?: \(who acts for (\d+) bidders in this dataset\))?(?=, | and |$)")
    found = list(rx.finditer(rest))
    if not found or re.sub(r"^(, | and )+$", "", rx.sub("", rest)).strip(", and"):
        return None
    return "，".join(f"{SHARED_ZH[m.group(1)]}（'{m.group(2)}'" + (f"，该代理机构在本数据集中代理 {m.group(3)} 名投标人"
                                                                if m.group(3) else "") + "）" for m in found)


def evidence_zh(text: str) -> str | None:
    """One red-flag evidence text in Chinese; None when no rule knows it."""
    t = " ".join(str(text).split())
    m = re.fullmatch(r"(R\d{3}): (.+)", t)
    if m and (b := _body(m.group(1), m.group(2))) is not None:
        return f"{m.group(1)}：{b}"
    clauses = "|".join(re.escape(c) for c in CLAUSE_ZH)
    m = re.fullmatch(rf"Pattern evidence under ({clauses}): (.+)", t)
    if m:
        for code in ("R057", "R053", "R023"):
            if (b := _body(code, m.group(2))) is not None:
                return f"依据{CLAUSE_ZH[m.group(1)]}的模式证据：{b}"
    m = re.fullmatch(r"(Article \d+\(\d\)): the bids of (.+?) and (.+?) in tender (\S+) (.+)", t)
    if m and m.group(1) in ARTICLE_ZH and (s := _shared(m.group(5))) is not None:
        art, a, b, tid, _ = m.groups()
        return f"{ARTICLE_ZH[art]}：{a} 与 {b} 在项目 {tid} 中的投标{s}"
    m = re.fullmatch(r"Article 34: (.+?) and (.+?), both bidding in tender (\S+), (.+)", t)
    if m:
        a, b, tid, rest = m.groups()
        parts = []
        for r in rest.split("; "):
            x = re.fullmatch(r"have the same legal representative '(.*)'", r)
            y = re.fullmatch(r"(.+) holds a controlling share of (.+)", r)
            z = re.fullmatch(r"are both controlled by '(.*)'", r)
            parts.append(f"法定代表人相同（'{x.group(1)}'）" if x else f"{y.group(1)} 控股 {y.group(2)}" if y else
                         f"均受 '{z.group(1)}' 控制" if z else r)
        return f"{ARTICLE_ZH['Article 34']}：{a} 与 {b} 同时参加项目 {tid} 的投标，" + "；".join(parts)
    m = re.fullmatch(r"Article 40\(4\): the bills of (.+?) and (.+?) in tender (\S+) (.+)", t)
    if m:
        a, b, tid, rest = m.groups()
        parts = []
        for r in rest.split("; "):
            x = re.fullmatch(r"price (\d+) of (\d+) shared bill items identically", r)
            y = re.fullmatch(r"share (\d+) identically priced odd item\(s\)", r)
            parts.append(f"共有的 {x.group(2)} 个清单项中 {x.group(1)} 个报价完全相同" if x else
                         f"有 {y.group(1)} 个报价相同的异常清单项" if y else
                         "总价与分项合计相差的金额相同" if r == "miss their itemised totals by the same amount" else r)
        return f"{ARTICLE_ZH['Article 40(4)']}：{a} 与 {b} 在项目 {tid} 中的报价清单" + "；".join(parts)
    m = re.fullmatch(r"Article 40\(4\): the (\d+) valid bids in tender (\S+) form (an arithmetic|a geometric) progression "
                     r"\((.*)\)", t)
    if m:
        n, tid, kind, prices = m.groups()
        return f"{ARTICLE_ZH['Article 40(4)']}：项目 {tid} 的 {n} 份有效报价构成{_ARITH[kind]}数列（{prices}）"
    m = re.fullmatch(r"Article 40\(4\): (\d+) of the (\d+) valid bids in tender (\S+) form (an arithmetic|a geometric) "
                     r"progression in a row \((.*)\)", t)
    if m:
        k, n, tid, kind, prices = m.groups()
        return f"{ARTICLE_ZH['Article 40(4)']}：项目 {tid} 的 {n} 份有效报价中有 {k} 份连续构成{_ARITH[kind]}数列（{prices}）"
    m = re.fullmatch(r"(R\d{3}) (.+?): (tender|bidder|buyer) (.+), value (\S+)", t)
    if m:
        code, _, level, key, v = m.groups()
        return f"{code} {_flag(code)}：{_LEVEL[level]} {key}，数值 {v}"
    return None


def _position(words: str) -> str | None:
    m = re.fullmatch(r"(lowest|highest) (\d+)% of the market", words)
    if not m:
        return None
    return f"市场中最{'低' if m.group(1) == 'lowest' else '高'}的 {m.group(2)}%"


# what a value's unit means, written after the value (`riskmodels.collusion.reasons.format_value`), in Chinese
UNIT_NOTES_ZH = {
    "(registry or bid-metadata values the two share, each counted 1/(k-1) when k firms share it: 1 = one value only these "
    "two firms share)": "（两者共有的登记或投标元数据值，k 家企业共有的值各计 1/(k-1)：1 = 仅这两家企业共有一个值）",
}


def reason_zh(text: str) -> str | None:
    """One reason of a tender's score in Chinese ('bid spread 0.8% - lowest 3% of the market'); None when unknown."""
    t = " ".join(str(text).split())
    ev = evidence_zh(t)
    if ev is not None:
        return ev
    if t == "no single piece of evidence stands out in this market":
        return "本市场中没有突出的单项证据"
    m = re.fullmatch(r"only (\d+) valid bids?(?: of (\d+) reported bidders)?: too few for bid screens \(they need (\d+)\)", t)
    if m:
        n, r, k = m.groups()
        return f"仅 {n} 份有效投标" + (f"（来源报告投标人 {r} 名）" if r else "") + f"：不足以计算报价筛查指标（需要 {k} 份）"
    m = re.fullmatch(r"partial bid list \((\d+) of (\d+) reported bidders\): the bid screens describe the listed bids only", t)
    if m:
        return f"投标名单不完整（{m.group(1)} 份，来源报告投标人 {m.group(2)} 名）：报价筛查指标只描述所列投标"
    m = re.fullmatch(r"(\d+) bidders? bid more than once in this tender \(`data validate` lists the rows\)", t)
    if m:
        return f"{m.group(1)} 名投标人在本项目中多次投标（`data validate` 列出这些行）"
    m = re.fullmatch(r"red flag (\S+) (raised|\d+)", t)
    if m:
        code = m.group(1)
        title = _flag(code.replace("flag_", "")) if code.replace("flag_", "") in FLAGS else ""
        return f"红旗 {code}{f'（{title}）' if title else ''}" + ("已触发" if m.group(2) == "raised" else f" {m.group(2)} 次")
    for label in sorted(VOCABULARY_ZH, key=len, reverse=True):
        if t.startswith(label + ": "):
            pos = _position(t[len(label) + 2:])
            if pos is not None:
                return f"{VOCABULARY_ZH[label]}：{pos}"
        if t.startswith(label + " "):
            rest = t[len(label) + 1:]
            value, _, where = rest.partition(" - ")
            value = "缺失" if value == "missing" else value
            note = ""
            for en, zh in UNIT_NOTES_ZH.items():
                if value.endswith(" " + en):
                    value, note = value[:-len(en) - 1], zh
            if " " in value:
                continue
            value += note
            if not where:
                return f"{VOCABULARY_ZH[label]} {value}"
            pos = _position(where)
            if pos is not None:
                return f"{VOCABULARY_ZH[label]} {value}，处于{pos}"
    return None


def to_zh(text: str, kind: str = "reason") -> str:
    """`text` in Chinese by the first rule that knows it (`kind` "evidence" or "reason"), else unchanged."""
    out = evidence_zh(text) if kind == "evidence" else reason_zh(text)
    return text if out is None else out
