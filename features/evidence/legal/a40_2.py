"""A40.2 - Article 40(2): different bidders entrusted the same unit or person with their bidding (the same agent).

The evidence says for how many bidders of the dataset the agent acts: an agency with many clients meeting two of them in
one tender is weaker evidence than an agent with two clients, but Article 40(2) deems both collusion."""
from __future__ import annotations

from features.evidence.legal.base import LegalContext, same_field_findings

CODE, ARTICLE = "A40.2", "Article 40(2)"


def compute(ctx: LegalContext) -> list[dict]:
    return same_field_findings(ctx, {"agent_id": "were handled by the same agent"}, CODE, ARTICLE, "Article 40(2)",
                               reach=True)
