"""Pictures of data (charts, graph pictures): the one way the toolkit sets matplotlib up.

`pyplot()` returns matplotlib's pyplot ready for pictures of DATA: drawn off screen (the Agg backend), with the installed
fonts that carry Chinese glyphs, and with math text OFF. Labels come from the data (firm names, department ids), and
matplotlib would parse a `$...$` in them as TeX math: `Bad $\\foo$ Co` would then stop the drawing with a parse error.
With `text.parse_math` off a dollar sign is a dollar sign. Every module that draws goes through here, so a new picture
cannot forget it.
"""
from __future__ import annotations

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")

# rc settings of every data picture: labels are text, never TeX, and a minus sign is drawn with a glyph every font has
DATA_TEXT = {"text.parse_math": False, "text.usetex": False, "axes.unicode_minus": False}


def cjk_fonts() -> list[str]:
    """The installed font families among CJK_FONTS (in that order of preference)."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in CJK_FONTS if f in have]


def picture_language(lang: str, what: str = "pictures") -> str:
    """The language a picture can be labelled in, decided before drawing: `lang`, or "en" with one warning (on the
    `riskmodels.fonts` logger, once per process) when `lang` is "zh" and no CJK font is installed, so a picture never
    shows boxes for missing glyphs."""
    if lang != "zh" or cjk_fonts():
        return lang
    import logging

    if not _WARNED:
        _WARNED.append(True)
        logging.getLogger("riskmodels.fonts").warning(
            "no Chinese (CJK) font is installed for matplotlib: %s are labelled in English, the pages stay Chinese "
            "(install one, e.g. 'apt-get install fonts-noto-cjk', then remove ~/.cache/matplotlib)", what)
    return "en"


_WARNED: list = []


def pyplot():
    """matplotlib.pyplot set up for pictures of data (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(DATA_TEXT)
    plt.rcParams["font.family"] = ["sans-serif"]
    plt.rcParams["font.sans-serif"] = cjk_fonts() + ["DejaVu Sans"]
    return plt
