"""features.io.plots: pictures of data draw a '$' in a label as a dollar sign, never as TeX math."""
from __future__ import annotations

import io

import networkx as nx

from features.io.plots import pyplot


def test_dollar_signs_in_labels_are_text():
    plt = pyplot()
    fig, ax = plt.subplots()
    ax.barh([0, 1], [3, 4])
    ax.set_yticks([0, 1], ["Dept $\\foo{$", "Bad $\\foo$ Co"])
    ax.set_title("$x^{$")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # with math text on this raises a ParseFatalException
    plt.close(fig)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_group_pictures_with_dollar_names(tmp_path):
    from graphs.export import draw_group

    G = nx.Graph()
    G.add_edge("A", "B", weight=0.8)
    G.add_edge("B", "C", weight=0.5)
    G.nodes["A"]["name"] = "Bad $\\foo$ Co"
    p = draw_group(G, ["A", "B"], tmp_path / "g.png", title="group of $1$ $\\bar{")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
