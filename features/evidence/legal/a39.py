"""A39 - Article 39: the pattern evidence behind collusion as the article defines it.

39(2) agreeing on the winner: bid rotation (R057) and a recurrent winner over a cover bidder (R053); 39(1) negotiating
prices: a fixed price gap across tenders (R023). Each finding restates the OCP flag's evidence under the article; the
thresholds are those of the R0NN codes (`[flags] indicators`)."""
from __future__ import annotations

from features.evidence.legal.base import LegalContext, finding

CODE, ARTICLE = "A39", "Article 39"
CLAUSES = {"R057": "Article 39(2) (agreeing who wins)", "R053": "Article 39(2) (agreeing who wins)",
           "R023": "Article 39(1) (negotiating bid prices)"}


def compute(ctx: LegalContext) -> list[dict]:
    out = []
    for code, clause in CLAUSES.items():
        for e in ctx.canonical(code).evidence:
            for t in e["tender_id"].split(";") if e["tender_id"] else [""]:
                out.append(finding(CODE, ARTICLE, t, e["bidders"].split(";"),
                                   f"Pattern evidence under {clause}: " + e["evidence"].split(": ", 1)[1], value=e["value"]))
    return out
