"""A minimal inspection dataset for the planner and report tests: 40 firms, departments 'tax' and one more, 4 inspectors each."""
from __future__ import annotations

import csv
from pathlib import Path


def write_csv(path: Path, header: list, rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def small_plan_inputs(root: Path, dept: str = "market_regulation", inspections: str | None = None) -> tuple[Path, Path]:
    """ROOT/d (enterprises, inspectors, roster; inspections: None, 'header' or 'rows') and ROOT/tiers.csv (all tier D)."""
    d = root / "d"
    d.mkdir(parents=True)
    deps = ["tax", dept]
    write_csv(d / "enterprises.csv", ["enterprise_id", "name"], [[f"E{i}", f"Firm {i}"] for i in range(40)])
    write_csv(d / "inspectors.csv", ["inspector_id", "department"], [[f"I{i}{j}", x] for j, x in enumerate(deps) for i in range(4)])
    write_csv(d / "roster.csv", ["enterprise_id", "department"], [[f"E{i}", x] for x in deps for i in range(40)])
    write_csv(root / "tiers.csv", ["enterprise_id", "tier", "probability", "as_of"],
              [[f"E{i}", "D", 0.5, "2025-01-31"] for i in range(40)])
    if inspections:
        rows = [[f"E{i}", "2024-06-01", x, "pass"] for x in deps for i in range(40)] if inspections == "rows" else []
        write_csv(d / "inspections.csv", ["enterprise_id", "inspected_on", "department", "result"], rows)
    return d, root / "tiers.csv"
