"""No import cycles between the modules of radforge's packages.

Why: imports follow the data flow (raw → de-id → warehouse → snapshot → training → evaluation), and a
module that imports one which imports it back has no place in that order; it also forces imports into
function bodies to dodge the partial-module error at load. A function-level import is an edge like any
other (grimp records them), so hiding a cycle inside a function does not make it pass.
"""

from __future__ import annotations

import grimp

PACKAGES = ("radforge", "sources", "deid", "warehouse", "training", "evaluation")

# Cycles accepted for now, each as the sorted tuple of its modules, with the reason. Keep this empty.
KNOWN: set[tuple[str, ...]] = set()


def _components(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of the direct-import graph with more than one module (Kosaraju)."""
    modules = sorted(graph.modules)
    out = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    into: dict[str, list[str]] = {m: [] for m in modules}
    for m, targets in out.items():
        for t in targets:
            into[t].append(m)
    order: list[str] = []
    seen: set[str] = set()
    for start in modules:  # finishing order by an iterative depth-first search
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(out[start]))]
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c not in seen), None)
            if child is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(child)
                stack.append((child, iter(out[child])))
    assigned: set[str] = set()
    components = []
    for root in reversed(order):  # collect on the reversed graph, latest finisher first
        if root in assigned:
            continue
        component, todo = [], [root]
        assigned.add(root)
        while todo:
            node = todo.pop()
            component.append(node)
            for parent in into[node]:
                if parent not in assigned:
                    assigned.add(parent)
                    todo.append(parent)
        if len(component) > 1:
            components.append(sorted(component))
    return components


def _describe(graph: grimp.ImportGraph, component: list[str]) -> str:
    """One concrete cycle through the component, then every import inside it with the line that makes it."""
    first = component[0]
    nxt = next(m for m in sorted(graph.find_modules_directly_imported_by(first)) if m in component)
    cycle = (first, *graph.find_shortest_chain(importer=nxt, imported=first))
    lines = [" -> ".join(cycle)]
    for importer in component:
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported in component:
                for d in graph.get_import_details(importer=importer, imported=imported):
                    lines.append(f"  {importer} line {d['line_number']}: {d['line_contents']}")
    return "\n".join(lines)


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)  # function-level imports included; no cache folder
    components = _components(graph)
    found = {tuple(c) for c in components}
    new = [c for c in components if tuple(c) not in KNOWN]
    assert not new, "import cycles (break them; a lazy import inside a function still counts):\n" + "\n".join(
        _describe(graph, c) for c in new)
    assert not KNOWN - found, f"cycles listed in KNOWN are gone, remove them from the list: {sorted(KNOWN - found)}"
