"""No two rt2_ros modules import each other, directly or round a longer loop; nothing imports the CLI.

Read from the sources (every import, at module level or inside a function), so a cycle that
only a lazy import hides today is still caught.
"""

from source_modules import imported_modules, module_paths


def import_graph() -> dict[str, set[str]]:
    paths = module_paths()
    known = set(paths)
    # A package's __init__ importing its own submodules is not a cycle worth reporting.
    return {
        name: {target for target in imported_modules(path, known) if not target.startswith(f"{name}.")}
        for name, path in paths.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search with an on-stack set)."""
    done: set[str] = set()

    def visit(name: str, stack: list[str]) -> list[str] | None:
        if name in stack:
            return [*stack[stack.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph.get(name, ())):
            cycle = visit(target, [*stack, name])
            if cycle:
                return cycle
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name, [])
        if cycle:
            return cycle
    return None


def test_find_cycle_reports_a_loop():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_rt2_ros_has_no_import_cycle():
    assert find_cycle(import_graph()) is None


def test_only_the_command_imports_the_cli():
    """rt2_ros.cli is the top layer: what the loop, the evaluation or a node needs lives below it."""
    outside = {
        name: sorted(target for target in targets if target == "rt2_ros.cli" or target.startswith("rt2_ros.cli."))
        for name, targets in import_graph().items()
        if name != "rt2_ros.__main__" and not name.startswith("rt2_ros.cli")
    }
    assert not {name: targets for name, targets in outside.items() if targets}
