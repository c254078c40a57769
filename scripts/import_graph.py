#!/usr/bin/env python
"""Figures of the import graph of `hotline/` and `config/` (issue 19).

Modules are the nodes, imports the edges (every import that runs, at module level or inside a function,
as grimp — the graph library of import-linter — sees them; imports under ``if TYPE_CHECKING:`` are left out,
as in the contract). Tests (`tests` packages, `testing`
modules) may reach across the whole house, so the figures are given without and with them. Printed:

- imports between rooms: edges from a module of one app ("room": `config` or `hotline.<app>`) to a
  module of another;
- upward imports: those of them that run from a lower layer to a higher one (the layer order is the
  contract's, in `pyproject.toml`, [tool.importlinter]);
- import cycles: strongly connected components of more than one module.

    .venv/bin/python scripts/import_graph.py [--list] [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent

# The layers, top first (the same order as the import contract).
LAYERS = [
    ["config"],
    ["reports", "knowledge", "shifts", "calls", "outages", "integrations", "demo"],
    ["workorders"],
    ["customers", "notify"],
    ["org"],
    ["core"],
]
LEVEL = {room: len(LAYERS) - i for i, rooms in enumerate(LAYERS) for room in rooms}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "config":
        return "config"
    if len(parts) > 1 and parts[1] in LEVEL:
        return parts[1]
    return None  # the package `hotline` itself


def is_test(module: str) -> bool:
    return ".tests" in module or module.endswith((".testing", ".conftest"))


def strongly_connected(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def figures(graph, with_tests: bool) -> dict:
    nodes = {m for m in graph.modules if with_tests or not is_test(m)}
    edges = {m: {t for t in graph.find_modules_directly_imported_by(m) if t in nodes} for m in nodes}
    between, upward, pairs, up_pairs = [], [], set(), set()
    lines = up_lines = 0
    for module in sorted(nodes):
        for target in sorted(edges[module]):
            src, dst = room_of(module), room_of(target)
            if src is None or dst is None or src == dst:
                continue
            count = len(graph.get_import_details(importer=module, imported=target)) or 1
            between.append((module, target))
            pairs.add((src, dst))
            lines += count
            if LEVEL[dst] > LEVEL[src]:
                upward.append((module, target))
                up_pairs.add((src, dst))
                up_lines += count
    return {
        "modules": len(nodes),
        "imports": sum(len(t) for t in edges.values()),
        "between": between,
        "between_lines": lines,
        "pairs": pairs,
        "upward": upward,
        "upward_lines": up_lines,
        "up_pairs": up_pairs,
        "cycles": strongly_connected(nodes, edges),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="list the upward imports and the cycles (without tests)")
    parser.add_argument("--check", action="store_true",
                        help="fail (exit 1) on an import cycle between modules, tests included (make lint)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("hotline", "config", cache_dir=None, exclude_type_checking_imports=True)
    if args.check:
        cycles = figures(graph, True)["cycles"]
        for component in cycles:
            print("import cycle: " + ", ".join(component))
        print(f"import cycles between modules: {len(cycles)}")
        return 1 if cycles else 0
    results = {"code": figures(graph, False), "code+tests": figures(graph, True)}
    print(f"{'':38}{'code':>12}{'code+tests':>12}")
    rows = [
        ("modules", lambda f: f["modules"]),
        ("imports (module -> module)", lambda f: f["imports"]),
        ("imports between rooms (module edges)", lambda f: len(f["between"])),
        ("  as import statements", lambda f: f["between_lines"]),
        ("  as room -> room pairs", lambda f: len(f["pairs"])),
        ("upward imports (module edges)", lambda f: len(f["upward"])),
        ("  as import statements", lambda f: f["upward_lines"]),
        ("  as room -> room pairs", lambda f: len(f["up_pairs"])),
        ("import cycles (SCCs > 1 module)", lambda f: len(f["cycles"])),
        ("  modules in cycles", lambda f: sum(len(c) for c in f["cycles"])),
    ]
    for label, value in rows:
        print(f"{label:38}" + "".join(f"{value(f):>12}" for f in results.values()))
    if args.list:
        code = results["code"]
        for module, target in code["upward"]:
            print(f"up: {module} -> {target}")
        for component in code["cycles"]:
            print("cycle: " + ", ".join(component))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
