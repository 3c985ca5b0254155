"""A40.3 - Article 40(3): the bid documents of different bidders name the same project manager."""
from __future__ import annotations

from features.evidence.legal.base import LegalContext, same_field_findings

CODE, ARTICLE = "A40.3", "Article 40(3)"


def compute(ctx: LegalContext) -> list[dict]:
    return same_field_findings(ctx, {"project_manager_id": "name the same project manager"}, CODE, ARTICLE, "Article 40(3)")
