"""features.io.codes: the code lists the simulator writes and the features read are consistent."""
from __future__ import annotations

from features.io import codes


def test_event_types_split_into_negative_positive_and_the_tax_grade():
    neg, pos = set(codes.NEGATIVE_EVENT_TYPES), set(codes.POSITIVE_EVENT_TYPES)
    assert len(codes.EVENT_TYPES) == len(set(codes.EVENT_TYPES))
    assert not neg & pos and neg | pos | {codes.TAX_CREDIT_GRADE} == set(codes.EVENT_TYPES)
    assert set(codes.SERIOUS_EVENT_TYPES) <= neg


def test_severity_scale_and_tax_grades():
    scale = (codes.SEVERITY_POSITIVE, codes.SEVERITY_MINOR, codes.SEVERITY_GENERAL, codes.SEVERITY_SERIOUS)
    assert scale == (0, 1, 2, 3) and codes.SERIOUS_PENALTY_SEVERITY == codes.SEVERITY_SERIOUS
    assert set(codes.TAX_GRADE_SEVERITY) == set(codes.TAX_GRADES)
    assert [codes.TAX_GRADE_SEVERITY[g] for g in ("A", "B", "C", "D")] == [0, 1, 2, 3]  # A best .. D worst
    assert set(codes.TAX_GRADE_SEVERITY.values()) <= set(scale)


def test_inspection_results_departments_and_schemes_are_distinct():
    for values in (codes.INSPECTION_RESULTS, codes.DEPARTMENTS, codes.SCHEMES):
        assert len(values) == len(set(values)) and all(v == v.strip().lower() for v in values)
    assert codes.INSPECTION_FAIL in codes.INSPECTION_RESULTS and "tax" in codes.DEPARTMENTS
