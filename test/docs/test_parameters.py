"""Every parameter a node declares has a row in a parameter table of the docs, and every row names one.

A parameter table is a Markdown table whose first column is `parameter`, under a heading naming the node.
A node's parameters are the `ParameterSpec`s of its module and of every rt2_ros module it loads (imports,
or names for importlib, as the arm controller's backend factory does): module-level tuples of specs, read
by importing, and `ParameterSpec("name", ...)` calls, read from the source.
"""

import ast
import importlib
import re
from functools import cache

import pytest
from docs_pages import PAGES, ROOT, code_names, tables
from source_modules import imported_modules, module_paths

from rt2_ros.ros.parameters import ParameterSpec

MODULES = module_paths()
NODES = tuple(name.rsplit(".", 1)[1] for name in MODULES if name.startswith("rt2_ros.nodes."))


def loaded_modules(start: str) -> set[str]:
    """`start` and every rt2_ros module it loads, transitively."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(imported_modules(MODULES[name], set(MODULES), named_by_string=True))
    return seen


def spec_names(module_name: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(MODULES[module_name].read_text())):
        called = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ParameterSpec"
        if called and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            names.add(node.args[0].value)
    if names or "ParameterSpec" in MODULES[module_name].read_text():
        for value in vars(importlib.import_module(module_name)).values():
            if isinstance(value, (tuple, list)):
                names.update(spec.name for spec in value if isinstance(spec, ParameterSpec))
    return names


@cache
def declared(node: str) -> frozenset[str]:
    return frozenset(name for module in loaded_modules(f"rt2_ros.nodes.{node}") for name in spec_names(module))


@cache
def documented() -> dict[str, dict[str, str]]:
    """node -> {parameter: the page documenting it}; a table naming no node is recorded under ''."""
    found: dict[str, dict[str, str]] = {}
    for page in PAGES:
        for table in tables(page):
            if table.header[0].lower() != "parameter":
                continue
            named = [n for title in table.headings for n in NODES if re.search(rf"\b{n}\b", title)]
            node = named[-1] if named else ""
            for row in table.rows:
                for name in code_names(row[0]):
                    found.setdefault(node, {})[name] = str(page.relative_to(ROOT))
    return found


def test_every_parameter_table_is_under_a_heading_naming_its_node():
    assert "" not in documented(), f"parameter tables under no node's heading list: {documented().get('')}"


@pytest.mark.parametrize("node", NODES)
def test_every_declared_parameter_is_documented(node):
    missing = sorted(declared(node) - set(documented().get(node, {})))
    assert not missing, f"{node} declares parameters no docs table lists (see docs/development.md): {missing}"


@pytest.mark.parametrize("node", NODES)
def test_every_documented_parameter_is_declared(node):
    unknown = {name: page for name, page in documented().get(node, {}).items() if name not in declared(node)}
    assert not unknown, f"the docs list parameters {node} does not declare: {unknown}"


def test_the_arm_controller_backends_parameters_are_found():
    """The backend factory names its modules as strings; they count."""
    assert {"servo_publish_period", "planning_group", "gripper_interface", "control_period"} <= declared(
        "arm_controller_node"
    )
