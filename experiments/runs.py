"""Tracked runs as text a modeler reads in a terminal: `experiments list` (one row per run) and `experiments compare A B`
(two runs side by side, parameter by parameter and metric by metric, differences marked).

Tables are plain text, columns aligned, at most `width` characters wide (80 by default: long cells are cut with '…').
Numbers are shown as what they are: counts as whole numbers (`898`, not `898.0000`), other metrics with 4 decimals.
The runs come from `experiments.tracking` (`list_runs`, `get_run`); nothing here imports mlflow.
"""
from __future__ import annotations

import datetime as _dt
import math

# metrics shown in `experiments list`, in this order, when some run has them (label, metric key)
LIST_METRICS = (("auc", "auc"), ("bidder", "splits.bidder.auc"), ("time", "splits.time.auc"),
                ("base", "splits.tender.baseline_auc"), ("ks", "ks"))
WIDTH = 80


def value_text(v) -> str:
    """A parameter or metric as text: whole numbers without decimals, other floats with 4, missing as '-'."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if v.is_integer() and abs(v) < 1e15:
            return value_text(int(v))
        return f"{v:.4f}"
    return str(v)


def metrics_text(metrics: dict, keys=None) -> str:
    """`auc 0.9631, n 898, ...` for the given keys (default all, in order)."""
    keys = list(metrics) if keys is None else [k for k in keys if k in metrics]
    return ", ".join(f"{k} {value_text(metrics[k])}" for k in keys)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"


def table(header: list[str], rows: list[list[str]], width: int = WIDTH, flex: int = 1, right: set | None = None) -> str:
    """Rows under a header, columns aligned; column `flex` takes what is left of `width` (cut with '…')."""
    right = right or set()
    cols = len(header)
    w = [max(len(str(r[i])) for r in [header, *rows]) for i in range(cols)]
    fixed = sum(w[i] for i in range(cols) if i != flex) + 2 * (cols - 1)
    w[flex] = max(8, min(w[flex], width - fixed))
    lines = []
    for r in [header, *rows]:
        cells = [_cut(str(c), w[i]) for i, c in enumerate(r)]
        lines.append("  ".join(c.rjust(w[i]) if i in right else c.ljust(w[i]) for i, c in enumerate(cells)).rstrip())
    lines.insert(1, "  ".join("-" * x for x in w))
    return "\n".join(lines)


def _when(ms) -> str:
    if not ms:
        return "-"
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def runs_table(runs: list[dict], width: int = WIDTH) -> str:
    """`experiments list`: one row per run (newest first): start (UTC), run name, status, the headline metrics."""
    shown = [(lab, key) for lab, key in LIST_METRICS if any(key in r["metrics"] for r in runs)]
    header = ["started (UTC)", "run", "status"] + [lab for lab, _ in shown]
    rows = [[_when(r["start_time"]), r["run_name"] or r["run_id"][:12], (r["status"] or "")[:8]]
            + [value_text(r["metrics"].get(key)) for _, key in shown] for r in runs]
    if not rows:
        return "no runs"
    right = set(range(3, len(header)))
    return table(header, rows, width=width, flex=1, right=right)


def compare_table(a: dict, b: dict, width: int = WIDTH, only_differences: bool = False) -> str:
    """`experiments compare A B`: the two runs side by side: who they are, then every parameter and every metric
    (the union of both), a '*' marking the rows where they differ."""
    def row(key, va, vb):
        ta, tb = value_text(va), value_text(vb)
        return ["*" if ta != tb else "", key, ta, tb]

    head = [row("run id", a["run_id"], b["run_id"]), row("experiment", a["experiment"], b["experiment"]),
            row("status", a["status"], b["status"]), row("started (UTC)", _when(a["start_time"]), _when(b["start_time"]))]
    params = [row(f"param {k}", a["params"].get(k), b["params"].get(k))
              for k in sorted(set(a["params"]) | set(b["params"]))]
    metrics = [row(f"metric {k}", a["metrics"].get(k), b["metrics"].get(k))
               for k in sorted(set(a["metrics"]) | set(b["metrics"]))]
    body = head + params + metrics
    if only_differences:
        body = head + [r for r in params + metrics if r[0]]
    half = max(12, (width - 4 - 2 * 3 - 28) // 2)
    names = ["", "", _cut(a["run_name"] or "A", half), _cut(b["run_name"] or "B", half)]
    rows = [[r[0], _cut(r[1], 28), _cut(r[2], half), _cut(r[3], half)] for r in body]
    n_diff = sum(1 for r in params + metrics if r[0])
    return (table(names, rows, width=width, flex=1) + f"\n{n_diff} of {len(params) + len(metrics)} parameters and metrics "
            "differ (*)")
