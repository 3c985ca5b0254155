"""A static, offline HTML site: Jinja2 templates shipped with the package, autoescaped, written whole or not at all.

Reusable by any report (the collusion case file, enterprise profiles ...): `Site(out, lang)` renders templates from
`riskmodels/report/templates/` into a staging folder beside `out`; `publish()` moves it into place in one step, so a
failed run leaves no half-written report and an existing report is replaced only when asked (`force`). Every value
that reaches a page is escaped by Jinja2's autoescape (a firm named `<script>` shows as text). Pages link each other
with relative links only and load nothing from the network: the stylesheet is a file of the site.
"""
from __future__ import annotations

import base64
import hashlib
import math
import os
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import jinja2

from features.core.errors import InputError
from features.io.export import check_apart, refuse_overwrite, usual_mode
from riskmodels.report.i18n import LANGS, labels

STYLESHEET = "report.css"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")  # for profile pages: no dots either


def page_name(key) -> str:
    """A file name for a page about `key` (an id from the data): the id itself when it is a safe file name, else its
    safe characters plus a short hash (two ids never share a file, none escapes its folder)."""
    k = str(key)
    safe = _SAFE.sub("_", k).strip("._")[:80]
    if safe != k or not safe:
        safe = f"{safe or 'id'}-{hashlib.sha1(k.encode('utf-8')).hexdigest()[:8]}"
    return f"{safe}.html"


# ------------------------------------------------------------------------------------------------ template filters
def _missing(v) -> bool:
    if v is None:
        return True
    try:
        return isinstance(v, float) and math.isnan(v) or str(v) in ("", "nan", "NaT", "None", "<NA>")
    except (TypeError, ValueError):
        return False


def fmt_num(v, digits: int = 2, dash: str = "—") -> str:
    """A number with thousands separators and `digits` decimals; a dash when missing."""
    if _missing(v):
        return dash
    try:
        return f"{float(v):,.{digits}f}"
    except (TypeError, ValueError):
        return str(v)


def fmt_pct(v, digits: int = 1, dash: str = "—") -> str:
    """A share (0.25) as a percentage (25.0%)."""
    if _missing(v):
        return dash
    try:
        return f"{100 * float(v):.{digits}f}%"
    except (TypeError, ValueError):
        return str(v)


def fmt_text(v, dash: str = "—") -> str:
    """A cell as text; a dash when missing (timestamps without a time part shown as dates)."""
    if _missing(v):
        return dash
    s = str(v)
    return s[:-9] if s.endswith(" 00:00:00") else s


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment over the packaged templates (`riskmodels/report/templates/`: the case file's pages, the
    enterprise profile, the decision analysis), autoescaping every value, failing on undefined names."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("riskmodels.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=fmt_num, pct=fmt_pct, text=fmt_text)
    return env


def render(template: str, **values) -> str:
    """One template rendered to a string with `values` (a missing value is an error, not an empty string): for reports
    that are a single page (an enterprise profile, the decision analysis) rather than a `Site`."""
    return environment().get_template(template).render(**values)


def png_data_uri(png: bytes) -> str:
    """A PNG as a data: URI, so a page carries its charts and stays one offline file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class Site:
    """A report folder being written: `render(template, path, **context)` per page, then `publish()`.

    `out`: the report folder; it must not exist (or be empty) unless `force`. Pages are written to a staging folder in
    the same parent and moved into place by `publish()`; `discard()` (or an exception inside `with Site(...)`) removes
    the staging folder and leaves `out` as it was."""

    def __init__(self, out, lang: str = "en", force: bool = False):
        if lang not in LANGS:
            raise InputError(f"language must be one of {', '.join(LANGS)}; got {lang!r}")
        self.out = Path(out)
        self.lang = lang
        self.force = force
        if self.out.exists() and not self.out.is_dir():
            raise InputError(f"{self.out}: exists and is not a folder")
        refuse_overwrite(self.out, force=force)  # the one rule of every output: replaced only with --force
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=self.out.parent))
        self.env = environment()
        self.L = labels(lang)
        self.pages = 0
        css = jinja2.PackageLoader("riskmodels.report", "templates").get_source(self.env, STYLESHEET)[0]
        (self.stage / STYLESHEET).write_text(css, encoding="utf-8")

    def path(self, rel: str) -> Path:
        """Where a file of the site goes while it is written (create its folder)."""
        p = self.stage / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def render(self, template: str, rel: str, **context) -> Path:
        """Render `template` to the page `rel` (e.g. 'tenders/T1.html'); `root` (the relative way back to the site's
        top), `L` (the labels of the language) and `lang` are passed to every template."""
        depth = rel.count("/")
        root = "../" * depth
        html = self.env.get_template(template).render(root=root, L=self.L, lang=self.lang, css=root + STYLESHEET,
                                                      **context)
        p = self.path(rel)
        p.write_text(html, encoding="utf-8")
        self.pages += 1
        return p

    def publish(self) -> Path:
        """Move the finished site to `out` (replacing what was there, which `__init__` allowed)."""
        check_apart(self.out, folder=True)  # never over (or around) the data the report was made from, --force or not
        old = None
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{self.stage.name[-8:]}")
            self.out.rename(old)
        os.chmod(self.stage, usual_mode(folder=True))  # made private by mkdtemp
        self.stage.rename(self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.out

    def discard(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.discard()
        return False


def profile_page_name(eid: str) -> str:
    """The file name of a firm's `credit profile --ids` page: the id's safe characters (at most 60) and a hash of the exact id. Two ids never
    share a page (`ACME/1`, `ACME_1` and `ACME?1` differ by their hash, on case-insensitive file systems too), no id
    becomes the batch's `index.html`, and a very long id still gives a short name."""
    k = str(eid)
    stem = _UNSAFE.sub("_", k).strip("._")[:60] or "firm"
    return f"{stem}-{hashlib.sha1(k.encode('utf-8')).hexdigest()[:10]}.html"
