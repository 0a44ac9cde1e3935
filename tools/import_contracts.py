"""An import-linter contract that import-linter does not ship: no import cycle between
any two modules of the named packages.

``acyclic_siblings`` looks at the children of each package; it does not see a package
that imports its own submodule which imports the package back, nor cycles it counts
at package level only. This contract takes every module as a node and every import,
also those inside a function, as an edge: a cycle hidden in a function still means
the two modules cannot be understood or tested apart.
"""

from __future__ import annotations

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages = [str(package) for package in self.packages]
        modules = {
            module
            for module in graph.modules
            if any(module == p or module.startswith(p + ".") for p in packages)
        }
        cycles = [sorted(group) for group in strongly_connected(graph, modules) if len(group) > 1]
        return ContractCheck(
            kept=not cycles,
            warnings=[],
            metadata={"cycles": [(group, _imports_within(graph, set(group))) for group in sorted(cycles)]},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for group, imports in check.metadata["cycles"]:
            output.print_error(f"Import cycle between {len(group)} modules: {', '.join(group)}")
            output.new_line()
            for importer, imported, line_number in imports:
                output.indent_cursor()
                output.print(f"{importer} -> {imported} (l. {line_number})")
            output.new_line()


def strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[set[str]]:
    """Tarjan's strongly connected components of the import graph restricted to
    ``modules`` (iterative, so a long chain of imports cannot exhaust the stack)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node])
                if lowlink[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
            elif child not in index:
                index[child] = lowlink[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
            elif child in on_stack:
                lowlink[node] = min(lowlink[node], index[child])
    return groups


def _imports_within(graph: grimp.ImportGraph, group: set[str]) -> list[tuple[str, str, int]]:
    found = []
    for importer in sorted(group):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & group):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                found.append((importer, imported, detail["line_number"]))
    return found
