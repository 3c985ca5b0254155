"""Canonical code lists: credit event types, severities, inspection results, departments and collusion schemes.

These are the values the synthetic city writes (`riskmodels.simulation`) and the values the credit and inspection features
read. They live in `features/` so every layer can import them. A user's own data may carry other values; map them onto these
in the settings or the features treat them as "other".
"""
from __future__ import annotations

# credit_events.event_type (SPEC: administrative penalty, abnormal operation list, serious illegal and dishonest list,
# dishonest judgment debtor, tax credit grade, commendation / red list, court judgment, loan default)
ADMINISTRATIVE_PENALTY = "administrative_penalty"      # 行政处罚
ABNORMAL_OPERATION_LIST = "abnormal_operation_list"    # 经营异常名录
SERIOUS_DISHONEST_LIST = "serious_illegal_dishonest_list"  # 严重违法失信名单
DISHONEST_JUDGMENT_DEBTOR = "dishonest_judgment_debtor"  # 失信被执行人
TAX_CREDIT_GRADE = "tax_credit_grade"                  # 纳税信用等级 (one per firm and tax year)
COMMENDATION = "commendation"                          # 表彰 / 红名单 (positive)
COURT_JUDGMENT = "court_judgment"                      # 裁判文书 (the firm lost a civil case)
LOAN_DEFAULT = "loan_default"                          # 贷款违约

EVENT_TYPES = (ADMINISTRATIVE_PENALTY, ABNORMAL_OPERATION_LIST, SERIOUS_DISHONEST_LIST, DISHONEST_JUDGMENT_DEBTOR,
               TAX_CREDIT_GRADE, COMMENDATION, COURT_JUDGMENT, LOAN_DEFAULT)
NEGATIVE_EVENT_TYPES = (ADMINISTRATIVE_PENALTY, ABNORMAL_OPERATION_LIST, SERIOUS_DISHONEST_LIST, DISHONEST_JUDGMENT_DEBTOR,
                        COURT_JUDGMENT, LOAN_DEFAULT)
POSITIVE_EVENT_TYPES = (COMMENDATION,)

# credit_events.severity is a number on one scale for every type: 0 positive or none, 1 minor, 2 general, 3 serious.
SEVERITY_POSITIVE, SEVERITY_MINOR, SEVERITY_GENERAL, SEVERITY_SERIOUS = 0, 1, 2, 3
# Tax credit grades (A best .. D worst; M = new or small taxpayer) are written as their severity on that scale.
TAX_GRADES = ("A", "B", "M", "C", "D")
TAX_GRADE_SEVERITY = {"A": 0, "B": 1, "M": 1, "C": 2, "D": 3}

# What credit_labels.label = 1 means: in the year after `as_of` the firm had one of these "serious violation or default" events.
SERIOUS_EVENT_TYPES = (SERIOUS_DISHONEST_LIST, DISHONEST_JUDGMENT_DEBTOR, LOAN_DEFAULT)
# ... or an administrative penalty of this severity or higher.
SERIOUS_PENALTY_SEVERITY = SEVERITY_SERIOUS

# inspections.result
INSPECTION_PASS = "pass"            # no violation found
INSPECTION_FAIL = "fail"            # a violation found (penalty may follow)
INSPECTION_NOT_FOUND = "not_found"  # the firm could not be found at its registered address (查无下落)
INSPECTION_RESULTS = (INSPECTION_PASS, INSPECTION_FAIL, INSPECTION_NOT_FOUND)

# inspectors.department, roster.department, inspections.department
DEPARTMENTS = ("market_regulation", "ecology_environment", "emergency_management", "housing_construction", "tax",
               "fire_rescue")

# truth/cartels.csv and truth/tenders.csv `scheme`
SCHEMES = ("cover_bidding", "bid_rotation", "bid_suppression", "accompanying_bidding", "fixed_coefficient")
