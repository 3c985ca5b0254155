"""Static HTML pages from the package's Jinja2 templates (riskmodels/templates/*.j2), autoescaped: every value a template
prints is HTML-escaped unless a template marks it safe (only our own inline images and CSS are)."""
from __future__ import annotations

import base64
from functools import lru_cache


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("riskmodels", "templates"), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **values) -> str:
    """The named template rendered with `values` (a missing value is an error, not an empty string)."""
    return environment().get_template(template).render(**values)


def png_data_uri(png: bytes) -> str:
    """A PNG as a data: URI, so a page carries its charts and stays one offline file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
