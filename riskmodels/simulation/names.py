"""Vocabularies of the synthetic city: regions, industries, tender categories, and vectorised makers of names, addresses,
phones and machine identifiers. Nothing here is random by itself: callers pass integers drawn from their generator."""
from __future__ import annotations

import numpy as np

CITY = "深圳市坪山区"
# Pingshan district's six subdistricts (tiny uses the first three); the province uses Guangdong's 21 prefecture cities.
SUBDISTRICTS = ("坪山街道", "马峦街道", "碧岭街道", "石井街道", "坑梓街道", "龙田街道")
PREFECTURES = ("广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "河源市", "梅州市", "惠州市", "汕尾市", "东莞市",
               "中山市", "江门市", "阳江市", "湛江市", "茂名市", "肇庆市", "清远市", "潮州市", "揭阳市", "云浮市")
# administrative divisions for the credit codes: Pingshan, and one district code per prefecture for the province
PINGSHAN_DIVISION = "440310"
PREFECTURE_DIVISIONS = ("440106", "440304", "440402", "440507", "440604", "440203", "441602", "441402", "441302", "441502",
                        "441900", "442000", "440703", "441702", "440802", "440902", "441202", "441802", "445102", "445202",
                        "445302")

# tender categories and the industry of the firms that bid in them
CATEGORIES = ("construction", "engineering_design", "goods", "it_services", "property_management", "consulting")
CATEGORY_WEIGHTS = (0.30, 0.10, 0.25, 0.12, 0.13, 0.10)
CATEGORY_INDUSTRY = ("construction", "engineering_design", "wholesale_retail", "information_technology",
                     "property_management", "business_consulting")
# median reserve price (CNY) and its log spread, per category
RESERVE_MEDIAN = (3_000_000, 600_000, 500_000, 800_000, 1_200_000, 300_000)
RESERVE_SIGMA = (1.0, 0.8, 0.9, 0.8, 0.6, 0.7)
# honest cost level as a share of the reserve price, per category (a tender's own level varies around it, log sd 0.08)
COST_LEVEL = (0.82, 0.80, 0.80, 0.80, 0.82, 0.80)
# categories whose bids carry an itemised bill (bid_items) and whose bids name a registered project manager
BILL_CATEGORIES = (0, 2)
PM_CATEGORIES = (0, 1)

INDUSTRIES = ("construction", "engineering_design", "wholesale_retail", "information_technology", "property_management",
              "business_consulting", "manufacturing", "catering", "transport_logistics", "other_services")
INDUSTRY_WEIGHTS = (0.08, 0.02, 0.25, 0.07, 0.04, 0.04, 0.20, 0.10, 0.07, 0.13)
# additive latent-risk effect per industry
INDUSTRY_RISK = (0.25, -0.05, 0.0, -0.2, 0.05, -0.1, 0.15, 0.2, 0.1, 0.0)
_SUFFIX = ("建设工程", "工程设计", "商贸", "信息技术", "物业管理", "咨询服务", "实业", "餐饮管理", "物流", "综合服务")

PROCEDURES = ("open", "invited", "competitive_negotiation", "competitive_consultation")
PROCEDURE_WEIGHTS = (0.62, 0.10, 0.14, 0.14)

_NAME_CHARS = np.array(list("华宏远兴达盛鑫泰隆恒瑞丰安信诚博创新源德嘉和康润荣益志鹏宇航海天明正通合聚力金银建业昌茂裕祥"
                            "凯腾飞翔永宁峰辉晟卓越卓尚品融汇中联东方南粤坪山深港鹏城"))
_SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈"))
_GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国文辉鹏飞玲红梅斌宇浩凯"))
_ROADS = np.array(["深汕路", "坪山大道", "金碧路", "东纵路", "丹梓大道", "坑梓路", "锦绣东路", "聚龙路", "青松路", "龙勤路",
                   "宝山路", "翠景路", "兰竹西路", "新和路", "荣田路", "秀沙路"])
_PINYIN = np.array(["zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu",
                    "guo", "lin", "luo", "zheng", "liang"])
_PINYIN_GIVEN = np.array(["wei", "fang", "na", "min", "jing", "qiang", "lei", "jun", "yang", "yong", "jie", "tao", "ming",
                          "chao", "ping", "gang", "hua", "hui", "peng", "fei", "hao", "kai", "bin", "yu"])
# file creators that many unrelated firms share (default user names of office software): a classic false lead
DEFAULT_CREATORS = np.array(["Administrator", "admin", "User", "微软用户", "Windows 用户", "lenovo"])


def company_names(rng: np.random.Generator, industry: np.ndarray, region_names: np.ndarray) -> np.ndarray:
    chars = _NAME_CHARS[rng.integers(0, len(_NAME_CHARS), size=(len(industry), 3))]
    body = np.char.add(np.char.add(chars[:, 0], chars[:, 1]), np.where(rng.random(len(industry)) < 0.4, chars[:, 2], ""))
    city = np.where(np.char.endswith(region_names.astype(str), "市"), region_names, "深圳市")
    suffix = np.asarray(_SUFFIX)[industry]
    return np.char.add(np.char.add(np.char.add(city, body), suffix), "有限公司").astype(object)


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = _SURNAMES[rng.integers(0, len(_SURNAMES), n)]
    g1 = _GIVEN[rng.integers(0, len(_GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, _GIVEN[rng.integers(0, len(_GIVEN), n)], "")
    return np.char.add(np.char.add(s, g1), g2).astype(object)


def pinyin_names(rng: np.random.Generator, n: int) -> np.ndarray:
    a = _PINYIN[rng.integers(0, len(_PINYIN), n)]
    b = _PINYIN_GIVEN[rng.integers(0, len(_PINYIN_GIVEN), n)]
    return np.char.add(a, b).astype(object)


def person_ids(numbers: np.ndarray) -> np.ndarray:
    """Person identifiers `P000012345` (10 characters: never mistaken for an 18-character credit code)."""
    return np.char.add("P", np.char.zfill(np.asarray(numbers).astype(str), 9)).astype(object)


def addresses(building: np.ndarray, room: np.ndarray, region_names: np.ndarray, province: bool) -> np.ndarray:
    """Registered addresses: building number -> road, street number and block; room as given."""
    b = np.asarray(building, dtype=np.int64)
    road = _ROADS[b % len(_ROADS)]
    num = ((b // len(_ROADS)) % 400 + 1).astype(str)
    block = ((b // (len(_ROADS) * 400)) % 30 + 1).astype(str)
    prefix = np.char.add(region_names.astype(str), "") if province else np.char.add(CITY, region_names.astype(str))
    s = np.char.add(np.char.add(np.char.add(np.char.add(prefix, road), num), "号"), block)
    s = np.char.add(np.char.add(np.char.add(s, "栋"), np.asarray(room).astype(str)), "室")
    return s.astype(object)


def phones(numbers: np.ndarray) -> np.ndarray:
    return np.char.add("0755-", np.char.zfill((np.asarray(numbers) % 100_000_000).astype(str), 8)).astype(object)


def hex_strings(rng: np.random.Generator, n: int, nbytes: int, upper: bool = False) -> np.ndarray:
    """`n` random hex strings of `nbytes` bytes each."""
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    out = np.array([r.tobytes().hex() for r in raw], dtype=object)
    return np.array([x.upper() for x in out], dtype=object) if upper else out


def ip_strings(a: np.ndarray) -> np.ndarray:
    """IPv4 text from 32-bit integers."""
    a = np.asarray(a, dtype=np.int64)
    parts = [((a >> s) & 255).astype(str) for s in (24, 16, 8, 0)]
    return np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(parts[0], "."), parts[1]), "."),
                                               parts[2]), "."), parts[3]).astype(object)


def mac_strings(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 256, size=(n, 6), dtype=np.uint8)
    raw[:, 0] &= 0xFE
    return np.array([":".join(f"{x:02X}" for x in r) for r in raw], dtype=object)
