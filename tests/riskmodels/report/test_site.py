"""riskmodels.report.site: pages escaped, named safely, written whole or not at all, replaced only with force."""
from __future__ import annotations

import pytest

from features.core.errors import InputError
from riskmodels.report.site import STYLESHEET, Site, fmt_num, fmt_pct, fmt_text, page_name


def test_page_names_are_safe_and_distinct():
    assert page_name("T2024-000001") == "T2024-000001.html"
    a, b = page_name("../etc/passwd"), page_name("..-etc-passwd")
    assert "/" not in a and not a.startswith(".") and a != b
    assert page_name("招标 1") != page_name("招标 2")  # unsafe characters replaced, a hash keeps them apart
    assert page_name("") .startswith("id-")


def test_every_value_is_escaped():
    from riskmodels.report.site import environment

    assert environment().from_string("<p>{{ x }}</p>").render(x="<script>alert(1)</script>") == \
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_formatting_filters_show_a_dash_for_missing_values():
    assert fmt_num(1234.5678) == "1,234.57" and fmt_num(None) == "—" and fmt_num(float("nan")) == "—"
    assert fmt_pct(0.1234) == "12.3%" and fmt_pct(None) == "—"
    assert fmt_text("x") == "x" and fmt_text(None) == "—" and fmt_text("") == "—"


def _page(site, name):
    return site.render("base.html", f"firms/{name}.html", title="<script>alert(1)</script>")


def test_a_site_appears_whole_escaped_and_is_replaced_only_with_force(tmp_path):
    out = tmp_path / "report"
    with Site(out, "zh") as site:
        p = _page(site, "F1")
        assert not out.exists()  # staged beside `out` until published
        site.publish()
    html = (out / "firms" / "F1.html").read_text(encoding="utf-8")
    assert "<html" in html and 'lang="zh-CN"' in html
    assert site.env.get_template("macros.html").environment.autoescape is not False
    assert (out / STYLESHEET).is_file() and 'href="../report.css"' in html and p.name == "F1.html"
    with pytest.raises(InputError):
        Site(out, "en")  # an existing report is not replaced without force
    with pytest.raises(RuntimeError):
        with Site(out, "en", force=True) as site:
            _page(site, "F2")
            raise RuntimeError("stop")
    assert (out / "firms" / "F1.html").is_file() and not (out / "firms" / "F2.html").exists()  # the failed run left it
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # no staging folder left behind
    with pytest.raises(InputError, match="language must be one of"):
        Site(tmp_path / "other", "fr")
