"""Every label of the HTML reports in English and Chinese: page words, relation and metadata names, red-flag titles
and the legal articles they rest on.

`labels(lang)` gives a `Labels` mapping (attribute access for templates: `L.bids`); a label missing from Chinese falls
back to English, never to an empty string. Values from the data (names, evidence texts written by the flags and the
models) are shown as they are: they are data, not labels.
"""
from __future__ import annotations

from features.io.side_tables import LANGS  # the one list of output languages

_LAW_EN = "Regulation on the Implementation of the Bidding Law"
_LAW_ZH = "《招标投标法实施条例》"

EN = {
    # page frame
    "report_title": "Collusion case file", "start_here": "Start here", "index": "Case list",
    "generated_from": "Dataset", "printed_note": "Printed from the case file; values from the data are shown as written.",
    "tender": "Tender", "tenders": "Tenders", "group": "Bidder group", "groups": "Bidder groups", "firm": "Firm",
    "firms": "Firms", "members_lc": "members", "rank": "Rank", "score": "Score", "flagged": "flagged", "not_flagged": "not flagged",
    "why": "Why", "none": "none", "more": "more", "of": "of", "yes": "yes", "no": "no",
    # case status (the case store's verdicts)
    "case_status": "Status and verdicts", "no_verdict": "Open: no verdict recorded in the case store.",
    "verdict_collusive": "confirmed collusive", "verdict_clean": "judged clean", "verdict_unsure": "unsure",
    "verdict_when": "When (UTC)", "verdict_col": "Verdict", "verdict_by": "By", "verdict_firms": "Firms found colluding",
    "verdict_note": "Note", "superseded": "superseded",
    # index
    "what_analysed": "What was analysed", "table": "Table", "file": "File", "rows_read": "Rows read",
    "accepted": "Accepted", "rejected": "Rejected", "rejects_note": "Rejected rows are not in the analysis; "
    "`riskmodels data validate DIR --rejects FILE` lists each with its reason.",
    "counts_line": "{tenders} tenders with {bids} bids from {firms} firms; {findings} red-flag findings about tenders, "
                   "raised in {flagged} tenders ({tender_findings} tender-findings: a finding that names several "
                   "tenders counts once for each; findings about a single bidder are on the firm pages); {groups} "
                   "bidder groups.",
    "prob_short": "p", "evidence_short": "evidence",
    "score_note": "Score: the case order's key. With a model it is the model's log-odds of collusion (p: its "
                  "probability) plus 0.01 x the evidence strength (evidence, 0-1), which orders the tenders the model "
                  "scores alike; without a model it is the evidence strength.",
    "method": "How the cases were ranked", "method_model": "Tender scores: the trained collusion model {model} "
    "(a calibrated probability that the tender was collusive).", "method_composite": "Tender scores: the transparent "
    "composite score (no model given): each tender's evidence (market positions of its bid screens, pair evidence, "
    "red flags, bidder-group presence) ranked within its market; the top {share} of the market is flagged.",
    "method_scores": "Tender scores: read from {file} (computed earlier by `collusion score`).",
    "limits": "Limits", "limits_text": "A score or a red flag is a reason to look, not proof of collusion: honest "
    "firms can share an office network or an agent, and a tight spread can be a competitive market. Read the evidence "
    "on each page and check the documents before acting. Red-flag evidence texts and reasons are written by the "
    "toolkit in English.",
    "order_tenders": "Order of tenders", "order_groups": "Order of bidder groups (the same as `graph groups` and "
    "`collusion score`)", "shown_tenders": "The top {n} of {total} tenders", "shown_groups": "The top {n} of {total} "
    "bidder groups", "pages_note": "Pages are also written for the tenders where these groups bid together and for "
    "every firm involved: {tenders} tender pages, {groups} group pages, {firms} firm pages.",
    "bidders": "Bidders", "members": "Members", "joint_tenders": "Joint tenders", "red_flags": "Red flags",
    "buyer": "Buyer", "category": "Category", "published": "Published", "group_of": "group",
    "and_more": "and {n} more",
    "flag_bar": "A red bar marks a tender the score flags.", "no_groups": "No bidder groups (bidders are anonymous or no group was found).",
    # tender page
    "tender_facts": "The tender", "region": "Region", "procedure": "Procedure", "deadline": "Deadline",
    "awarded": "Awarded", "reserve_price": "Reserve price", "currency": "Currency", "case_rank": "Case rank",
    "reasons": "Why it was ranked here", "all_bids": "Every bid", "bid_rank": "Price rank", "bidder": "Bidder",
    "price": "Price", "to_reserve": "Price / reserve", "to_winner": "Price / winning price", "submitted": "Submitted",
    "status": "Status", "winner": "Winner", "shares": "Shares with other bids", "shared_meta": "Bid metadata shared "
    "by two or more bids", "field": "Field", "value": "Value", "bids_sharing": "Bids sharing it",
    "no_shared_meta": "No bid metadata value is shared by two bids of this tender.",
    "screens": "Screens of the bids", "screen": "Screen", "market_pct": "Market percentile",
    "screens_note": "Market percentile: share of the tenders of the same market (region x category x year, {n} "
                    "tenders) with a lower value.", "flags_found": "Every red flag found for this tender",
    "code": "Code", "what": "What it means", "article": "Legal basis", "evidence": "Evidence",
    "no_flags": "No red flag was found for this tender.", "groups_involved": "Bidder groups among the bidders",
    "members_bidding": "Members bidding here", "no_groups_here": "No suspicious bidder group has two or more "
    "members among these bidders.", "rank_of": "rank {rank} of {total}", "valid": "valid",
    # group page
    "group_title": "Bidder group {n}", "group_score": "Group score", "picture": "Picture of the group",
    "picture_note": "Red circles are the members (numbers as in the key), grey circles the outside firms that bid "
                    "against them most (letters). Line colour: what ties two firms; thickness: how strong the tie is.",
    "key": "Key", "num": "No.", "name": "Name", "credit_code": "Credit code", "n_bids": "Bids", "n_wins": "Wins",
    "outside": "outside co-bidder", "member": "member", "group_evidence": "Evidence",
    "ev_together": "{k} firms; two or more of them bid together in {n} tenders.",
    "ev_exclusive": "Exclusivity {x}: share of the members' co-bidding that is with each other (1 = they meet no one "
                    "else); cohesion {c}: how often member pairs meet, relative to how often they bid.",
    "ev_wins": "Members won {w} of the {d} decided joint tenders, more than the {e} expected by chance (each bidder "
               "equally likely to win; the chance of {w} or more wins: {p}).",
    "ev_common": "Weak ties, through values shared by {k} or more firms in the data (common): {rel}.",
    "shared_by": "Shared by", "firms_word": "firms", "common": "common", "weight": "Weight",
    "rel_note": "Specific ties first. Shared by: how many firms in the whole data share the value; a value shared by k "
                "firms weighs 1/(k-1) (1 = only these two firms); values shared by {k} or more firms are common and "
                "weak evidence ({n} of these rows).",
    "ev_rotation": "Wins shared out evenly among the members (evenness {x}): a rotation pattern.",
    "ev_cover": "{p} of the members' losses in joint tenders went to {who}: a cover-bidding pattern.",
    "ev_prices": "The price spread of their joint tenders is tighter than in {p} of all tenders.",
    "ev_relations": "Tied by: {rel}.", "pairs_word": "pairs", "ties": "Shared traces and registry ties between "
    "members", "firm_a": "Firm", "firm_b": "Firm", "relation": "Relation", "no_ties": "No registry or metadata tie "
    "between members.", "met_in": "Tenders where two or more members bid", "members_here": "Members bidding",
    "winner_member": "won by a member", "n_bidders": "Bidders", "graph_evidence_raw": "Evidence as written by "
    "`graph groups`",
    # firm page
    "identity": "Identity", "legal_rep": "Legal representative (id)", "address": "Address", "phone": "Phone",
    "industry": "Industry", "established": "Established", "capital": "Registered capital", "reg_status": "Status",
    "not_in_registry": "This firm is not in the enterprises table.", "bids_wins": "Bids and wins",
    "bids_count": "{b} bids, {w} won.", "tender_score": "Tender score", "flags_n": "Red flags", "won": "won",
    "relations": "Relations to other firms", "other_firm": "Other firm", "no_relations": "No registry or bid-metadata "
    "relation to another firm.", "cases": "Cases it appears in", "in_groups": "Member of bidder group",
    "in_tenders": "Bidder in ranked tenders", "co_bidders": "Firms it bids against most", "co_bids": "Tenders together",
    "no_page": "no page",
    "lang_switch": "Language", "credit_tier": "tier", "credit_profile": "credit profile",
}

ZH = {
    "report_title": "串通投标案件卷宗", "start_here": "从这里开始", "index": "案件列表", "generated_from": "数据集",
    "printed_note": "打印自案件卷宗；数据中的值按原样显示。",
    "tender": "招标项目", "tenders": "招标项目", "group": "投标人团伙", "groups": "投标人团伙", "firm": "企业",
    "firms": "企业", "members_lc": "名成员", "rank": "排名", "score": "评分", "flagged": "已预警", "not_flagged": "未预警", "why": "理由",
    "none": "无", "more": "更多", "of": "/", "yes": "是", "no": "否",
    "case_status": "案件状态与结论", "no_verdict": "待核查：案件库中尚无结论。",
    "verdict_collusive": "确认串通", "verdict_clean": "核查未发现串通", "verdict_unsure": "存疑",
    "verdict_when": "时间（UTC）", "verdict_col": "结论", "verdict_by": "认定人", "verdict_firms": "认定串通的企业",
    "verdict_note": "说明", "superseded": "已被后续结论取代",
    "what_analysed": "分析了什么", "table": "数据表", "file": "文件", "rows_read": "读取行数", "accepted": "接受",
    "rejected": "拒绝", "rejects_note": "被拒绝的行不参与分析；`riskmodels data validate DIR --rejects FILE` 列出每行及原因。",
    "counts_line": "{tenders} 个招标项目，{bids} 份投标，来自 {firms} 家企业；{flagged} 个项目中有 {findings} 条关于项目的红旗发现"
                   "（按项目计 {tender_findings} 条：涉及多个项目的发现对每个项目各计一次；关于单个投标人的发现见企业页面）；"
                   "{groups} 个投标人团伙。",
    "prob_short": "概率", "evidence_short": "证据",
    "score_note": "评分：案件排序的依据。使用模型时为模型给出的串通对数几率（概率：模型的校准概率）加上 0.01 × 证据强度（0-1）；"
                  "未使用模型时为证据强度。",
    "method": "案件如何排序", "method_model": "项目评分：已训练的串通投标模型 {model}（校准后的串通概率）。",
    "method_composite": "项目评分：透明的综合评分（未提供模型）：每个项目的证据（报价筛查指标在本市场中的位置、投标对证据、"
                        "红旗、团伙参与）在其市场内排序；市场前 {share} 的项目被预警。",
    "method_scores": "项目评分：读取自 {file}（此前由 `collusion score` 计算）。",
    "limits": "局限", "limits_text": "评分或红旗是值得核查的理由，而不是串通的证据：诚实的企业也可能共用办公网络或代理机构，"
                                   "报价接近也可能来自充分竞争。请阅读每页的证据并核对原始文件后再采取行动。红旗证据和理由中的企业、编号和数值按数据原样显示。",
    "order_tenders": "招标项目的排序", "order_groups": "投标人团伙的排序（与 `graph groups` 和 `collusion score` 相同）",
    "shown_tenders": "{total} 个项目中的前 {n} 个", "shown_groups": "{total} 个团伙中的前 {n} 个",
    "pages_note": "另为这些团伙共同投标的项目以及涉及的每家企业生成页面：项目页 {tenders} 个，团伙页 {groups} 个，企业页 {firms} 个。",
    "bidders": "投标人", "members": "成员", "joint_tenders": "共同投标项目", "red_flags": "红旗", "buyer": "采购人",
    "category": "类别", "published": "发布时间", "group_of": "团伙", "and_more": "等另 {n} 家", "flag_bar": "红色竖条表示评分已预警的项目。",
    "no_groups": "没有投标人团伙（投标人匿名或未发现团伙）。",
    "tender_facts": "项目信息", "region": "区域", "procedure": "采购方式", "deadline": "截标时间", "awarded": "定标时间",
    "reserve_price": "最高限价", "currency": "币种", "case_rank": "案件排名", "reasons": "排在此处的理由",
    "all_bids": "全部投标", "bid_rank": "报价排名", "bidder": "投标人", "price": "报价", "to_reserve": "报价 / 最高限价",
    "to_winner": "报价 / 中标价", "submitted": "递交时间", "status": "状态", "winner": "中标", "shares": "与其他投标共用",
    "shared_meta": "两份及以上投标共用的投标元数据", "field": "字段", "value": "值", "bids_sharing": "共用的投标",
    "no_shared_meta": "本项目没有两份投标共用同一元数据值。", "screens": "报价筛查指标", "screen": "指标",
    "market_pct": "市场百分位", "screens_note": "市场百分位：同一市场（区域 × 类别 × 年份，共 {n} 个项目）中数值更低的项目所占比例。",
    "flags_found": "本项目发现的全部红旗", "code": "代码", "what": "含义", "article": "法律依据", "evidence": "证据",
    "no_flags": "本项目未发现红旗。", "groups_involved": "投标人中的团伙", "members_bidding": "在此投标的成员",
    "no_groups_here": "投标人中没有两家及以上属于同一可疑团伙。", "rank_of": "第 {rank} 名（共 {total} 个）",
    "valid": "有效",
    "group_title": "投标人团伙 {n}", "group_score": "团伙评分", "picture": "团伙关系图",
    "picture_note": "红色圆圈为成员（编号对应图例），灰色圆圈为与其竞争最多的外部企业（字母）。线条颜色表示两家企业之间的关联类型，粗细表示关联强度。",
    "key": "图例", "num": "编号", "name": "名称", "credit_code": "统一社会信用代码", "n_bids": "投标次数", "n_wins": "中标次数",
    "outside": "外部共同投标人", "member": "成员", "group_evidence": "证据",
    "ev_together": "{k} 家企业；其中两家及以上在 {n} 个项目中共同投标。",
    "ev_exclusive": "排他性 {x}：成员的共同投标中彼此之间所占比例（1 表示只与彼此相遇）；凝聚度 {c}：成员两两相遇的频率（相对于各自投标次数）。",
    "ev_wins": "在 {d} 个已定标的共同投标项目中，成员中标 {w} 个，多于随机预期的约 {e} 个（假定每个投标人中标机会均等；随机中标 {w} 个或更多的概率：{p}）。",
    "ev_common": "弱关联，经由数据中 {k} 家及以上企业共用的值（常见值）：{rel}。",
    "shared_by": "共用企业数", "firms_word": "家", "common": "常见", "weight": "权重",
    "rel_note": "特定关联在前。共用企业数：全部数据中共用该值的企业数；k 家企业共用的值权重为 1/(k-1)（1 表示仅这两家企业）；"
                "{k} 家及以上企业共用的值为常见值，证据较弱（本表中 {n} 行）。",
    "ev_rotation": "中标在成员之间平均分配（均匀度 {x}）：轮流中标模式。",
    "ev_cover": "成员在共同投标中的落标有 {p} 输给了 {who}：陪标模式。",
    "ev_prices": "其共同投标项目的报价离散度比 {p} 的项目更小。",
    "ev_relations": "关联：{rel}。", "pairs_word": "对", "ties": "成员之间的共用痕迹和登记关联", "firm_a": "企业",
    "firm_b": "企业", "relation": "关联", "no_ties": "成员之间没有登记或元数据关联。", "met_in": "两家及以上成员共同投标的项目",
    "members_here": "投标的成员", "winner_member": "由成员中标", "n_bidders": "投标人数",
    "graph_evidence_raw": "`graph groups` 写出的证据原文",
    "identity": "基本信息", "legal_rep": "法定代表人（编号）", "address": "地址", "phone": "电话", "industry": "行业",
    "established": "成立日期", "capital": "注册资本", "reg_status": "登记状态", "not_in_registry": "该企业不在企业表中。",
    "bids_wins": "投标与中标", "bids_count": "投标 {b} 次，中标 {w} 次。", "tender_score": "项目评分", "flags_n": "红旗",
    "won": "中标", "relations": "与其他企业的关联", "other_firm": "另一企业", "no_relations": "与其他企业没有登记或投标元数据关联。",
    "cases": "出现的案件", "in_groups": "所属投标人团伙", "in_tenders": "参与的排名项目", "co_bidders": "最常一起投标的企业",
    "co_bids": "共同投标次数", "no_page": "无页面", "lang_switch": "语言", "credit_tier": "信用等级",
    "credit_profile": "企业信用报告",
}

# relation layers of graphs.relations and bid metadata fields of features.evidence.pairs
RELATIONS = {
    "legal_rep": ("same legal representative", "同一法定代表人"),
    "shareholder": ("common shareholder or holding", "共同股东或持股关系"),
    "address": ("same registered address", "同一注册地址"),
    "building": ("same office building", "同一楼宇"),
    "phone": ("same phone number", "同一联系电话"),
    "device_id": ("same device", "同一设备"),
    "file_creator": ("same file creator", "同一文件创建者"),
    "ca_serial": ("same CA certificate", "同一CA数字证书"),
    "deposit_account": ("same deposit account", "同一保证金账户"),
    "project_manager_id": ("same project manager", "同一项目负责人"),
    "agent_id": ("same agent", "同一代理机构"),
    "ip": ("same IP address", "同一IP地址"),
    "mac": ("same MAC address", "同一MAC地址"),
    "file_hash": ("same bid file (hash)", "同一投标文件（哈希）"),
}
FIELDS = {
    "device_id": ("device", "设备"), "ip": ("IP address", "IP地址"), "mac": ("MAC address", "MAC地址"),
    "file_creator": ("file creator", "文件创建者"), "file_hash": ("file hash", "文件哈希"),
    "ca_serial": ("CA certificate", "CA数字证书"), "deposit_account": ("deposit account", "保证金账户"),
    "project_manager_id": ("project manager", "项目负责人"), "agent_id": ("agent", "代理机构"),
}
SCREENS = {
    "cv": ("coefficient of variation of the bids", "报价变异系数"),
    "spd": ("spread of the bids (max - min) / min", "报价极差 (最高 - 最低) / 最低"),
    "diffp": ("gap between the two lowest bids", "最低两份报价之差"),
    "rd": ("relative distance of the winner", "中标价相对距离"),
    "kurt": ("kurtosis of the bids", "报价峰度"),
    "skew": ("skewness of the bids", "报价偏度"),
    "ks": ("distance of the bids from uniform (KS)", "报价与均匀分布的距离 (KS)"),
    "win_to_reserve": ("winning bid / reserve price", "中标价 / 最高限价"),
    "pair_min_gap": ("smallest gap between two bids", "两份报价之间的最小差距"),
    "pair_share_meta": ("share of bid pairs sharing metadata", "共用元数据的投标对比例"),
}
PERCENT_SCREENS = {"cv", "spd", "diffp", "win_to_reserve", "pair_min_gap", "pair_share_meta"}

# code values of the canonical tables shown in Chinese (other values are shown as they are)
VALUES_ZH = {"valid": "有效", "disqualified": "被否决", "withdrawn": "已撤回", "open": "公开招标", "invited": "邀请招标",
             "competitive_consultation": "竞争性磋商", "competitive_negotiation": "竞争性谈判",
             "single_source": "单一来源", "construction": "工程", "goods": "货物", "services": "服务",
             "property_management": "物业管理", "engineering_design": "工程设计", "it_services": "信息技术服务",
             "consulting": "咨询", "manufacturing": "制造业", "active": "存续", "revoked": "吊销",
             "cancelled": "注销", "wholesale_retail": "批发和零售业", "information_technology": "信息技术服务业",
             "business_consulting": "商务咨询", "catering": "餐饮业", "transport_logistics": "交通运输和物流",
             "other_services": "其他服务业",
             # the bodies that record credit events (column `source`) besides the inspecting departments
             "court": "人民法院", "bank": "银行", "government": "人民政府"}

# red-flag codes: (what it means in English, in Chinese); legal articles by code
FLAGS = {
    "A34": ("bidders with the same responsible person or a controlling relation bid in one tender",
            "单位负责人为同一人或者存在控股、管理关系的不同单位参加同一标段投标"),
    "A39": ("pattern evidence that bidders agreed who wins or on prices", "投标人相互串通（约定中标人或报价）的模式证据"),
    "A40.1": ("bid documents made by the same unit or person", "不同投标人的投标文件由同一单位或者个人编制"),
    "A40.2": ("the same unit or person handled the bidding", "不同投标人委托同一单位或者个人办理投标事宜"),
    "A40.3": ("the same project manager named", "不同投标人的投标文件载明的项目管理成员为同一人"),
    "A40.4": ("abnormally identical bids or prices in a regular pattern", "不同投标人的投标文件异常一致或者投标报价呈规律性差异"),
    "A40.6": ("deposits paid from the same account", "不同投标人的投标保证金从同一单位或者个人的账户转出"),
    "R003": ("short submission period", "投标期过短"), "R018": ("single bid received", "仅收到一份投标"),
    "R022": ("wide disparity in bid prices", "投标价格差异过大"), "R023": ("fixed multiple bid prices", "报价呈固定倍数"),
    "R024": ("price close to the winning bid", "报价接近中标价"), "R025": ("excessive unsuccessful bids", "落标次数过多"),
    "R028": ("identical bid prices", "报价相同"), "R029": ("bid prices off Benford's law or on round numbers",
                                                            "报价偏离本福特定律或集中于整数"),
    "R030": ("late bid won", "迟交投标中标"), "R034": ("bids submitted in the same order", "投标提交顺序相同"),
    "R035": ("all except the winning bid disqualified", "除中标投标外全部被取消资格"),
    "R036": ("lowest bid disqualified", "最低报价被取消资格"), "R038": ("excessive disqualified bids", "取消资格的投标过多"),
    "R048": ("heterogeneous supplier", "供应商经营范围异质"),
    "R053": ("co-bidding pairs with the same recurrent winner", "共同投标且中标人固定"),
    "R057": ("bid rotation", "轮流中标"), "R058": ("heavily discounted bid", "大幅折扣投标"),
}
ARTICLES = {
    "A34": ("Article 34", "第三十四条"), "A39": ("Article 39", "第三十九条"),
    "A40.1": ("Article 40(1)", "第四十条第（一）项"), "A40.2": ("Article 40(2)", "第四十条第（二）项"),
    "A40.3": ("Article 40(3)", "第四十条第（三）项"), "A40.4": ("Article 40(4)", "第四十条第（四）项"),
    "A40.5": ("Article 40(5)", "第四十条第（五）项"), "A40.6": ("Article 40(6)", "第四十条第（六）项"),
}
_OCP = ("Open Contracting red flag (no legal article by itself; see the articles of the other flags)",
        "开放合同红旗指标（本身不对应法律条款；见其他红旗的法律依据）")


# the words of a group picture's legend (graphs.export.LEGEND_WORDS), in Chinese
PICTURE_ZH = {"member": "团伙成员 (1, 2, ...)", "outside": "外部共同投标人 (A, B, ...)", "thickness": "线越粗关联越强",
              "key": "图例", "metadata": "相同投标元数据（设备、IP、文件、账户…）",
              "registry": "登记关联（法定代表人、股东、地址、电话）", "cobid": "仅共同投标"}


class Labels(dict):
    """Labels of one language; `L.key` in templates, `L.fmt('key', n=1)` for labels with placeholders."""

    def __init__(self, lang: str):
        base = dict(EN)
        if lang == "zh":
            base.update(ZH)
        super().__init__(base)
        self.lang = lang
        self._i = 0 if lang == "en" else 1

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def fmt(self, key: str, **kw) -> str:
        return self[key].format(**kw)

    def picture_words(self) -> dict | None:
        """Legend words for `graphs.export.draw_group` (None: its English defaults)."""
        return dict(PICTURE_ZH) if self._i == 1 else None

    def word(self, value) -> str:
        """A code value from the data (status, category, procedure ...) in this language when known, else as it is."""
        v = "" if value is None else str(value)
        return VALUES_ZH.get(v, v) if self._i == 1 else v

    def chance(self, p: float) -> str:
        """A probability as a reader takes it in: '0.4%', 'below 0.1%' ('低于 0.1%')."""
        if p < 0.001:
            return "below 0.1%" if self._i == 0 else "低于 0.1%"
        return f"{p:.1%}"

    def rel_name(self, name: str) -> str:
        return RELATIONS.get(name, (name.replace("_", " "), name))[self._i]

    def field_name(self, name: str) -> str:
        return FIELDS.get(name, (name.replace("_", " "), name))[self._i]

    def screen_name(self, name: str) -> str:
        return SCREENS.get(name, (name, name))[self._i]

    def flag_title(self, code: str, title: str = "") -> str:
        """What a red-flag code means; `title` (e.g. an indicator's own English title) for codes not listed here."""
        return FLAGS.get(code, (title or code, title or code))[self._i]

    def article_of(self, code: str, article: str = "") -> str:
        """The legal basis of a red flag: the article of the Regulation on the Implementation of the Bidding Law, or
        that an OCP red flag rests on none by itself."""
        if code in ARTICLES:
            a = ARTICLES[code][self._i]
            return f"{a}, {_LAW_EN}" if self._i == 0 else f"{_LAW_ZH}{a}"
        if article:
            return f"{article}, {_LAW_EN}" if self._i == 0 else f"{_LAW_ZH} {article}"
        return _OCP[self._i]


def labels(lang: str = "en") -> Labels:
    """The labels of `lang` (one of `LANGS`)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}.")
    return Labels(lang)
