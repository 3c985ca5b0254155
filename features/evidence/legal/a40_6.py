"""A40.6 - Article 40(6): the bid deposits of different bidders were paid from the same account."""
from __future__ import annotations

from features.evidence.legal.base import LegalContext, same_field_findings

CODE, ARTICLE = "A40.6", "Article 40(6)"


def compute(ctx: LegalContext) -> list[dict]:
    return same_field_findings(ctx, {"deposit_account": "had their deposits paid from the same account"}, CODE, ARTICLE,
                               "Article 40(6)")
