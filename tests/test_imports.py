"""The package code has no import cycle and keeps the layering of the design card (SPEC.md: features imports none of ours;
graphs may use features; riskmodels may use both; experiments all three and is the only place that imports mlflow).

Every import counts, including those inside functions: a lazy import hides a cycle from Python, not from a reader."""
from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("features", "graphs", "riskmodels", "experiments")
MAY_USE = {"features": set(), "graphs": {"features"}, "riskmodels": {"features", "graphs"},
           "experiments": {"features", "graphs", "riskmodels"}}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = f
    return out


def _imports(name: str, path: Path, modules: dict) -> set[str]:
    """The project modules `name` imports: `from a.b import c` counts as a.b.c when that is a module, else as a.b."""
    found = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:  # `import a.b.c` of a non-module attribute: its module
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            # a submodule importing its own package's __init__ is Python's normal package loading, not a cycle to report
            if m.startswith(n + "."):
                continue
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_layers_only_import_downward():
    wrong = [f"{m} imports {n}" for m, deps in _graph().items() for n in deps
             if n.split(".")[0] != m.split(".")[0] and n.split(".")[0] not in MAY_USE[m.split(".")[0]]]
    assert not wrong, "\n".join(sorted(wrong))


def test_only_experiments_imports_mlflow_and_nothing_imports_the_cli():
    offenders = []
    for m, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for n in names:
                if n.split(".")[0] == "cli" or (n.split(".")[0] == "mlflow" and not m.startswith("experiments")):
                    offenders.append(f"{m} imports {n}")
    assert not offenders, "\n".join(offenders)
