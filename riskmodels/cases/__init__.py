"""The investigator's loop: a shared case store of verdicts and warnings (`store`), recording verdicts with what each judged
tender showed (`verdicts`), the review queue that learns from verdicts (`queue`), and early warnings on new tenders
(`warnings`). docs/cases.md shows the day-to-day loop."""
