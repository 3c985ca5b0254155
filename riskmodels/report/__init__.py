"""HTML reports: static, offline, linked pages rendered from packaged Jinja2 templates (autoescaped), in English or
Chinese.

- `site`: the reusable part — the template environment, safe page names, number filters, and a `Site` that writes a
  report whole or not at all;
- `i18n`: every label in both languages (page words, relation and field names, red-flag titles, legal articles);
- `casefile`: the investigator's collusion case file (`riskmodels collusion report`);
- the one-page reports render the same templates with `site.render`: the enterprise profile (`riskmodels.credit.profile`)
  and the decision analysis (`riskmodels.inspection.analysis`).
"""
from riskmodels.report.i18n import LANGS, labels
from riskmodels.report.site import Site, page_name

__all__ = ["LANGS", "Site", "labels", "page_name"]
