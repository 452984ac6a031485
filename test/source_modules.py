"""rt2_ros's modules as read from the sources (no import): what each one imports.

Shared by the import-cycle test and the docs tests (import as `from source_modules import ...`).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rt2_ros"


def module_paths() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its __init__.py)."""
    paths = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return paths


def imported_modules(path: Path, known: set[str], named_by_string: bool = False) -> set[str]:
    """The known modules `path` imports, at module level or inside a function.

    `from package import name` counts `package.name` when that is a module. With `named_by_string`, a string
    constant naming a module (`"rt2_ros.control.servo"`, `"rt2_ros.control.servo:ServoBackend"`) counts too:
    what a factory loads with importlib.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif named_by_string and isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value.split(":")[0])
    return found & known
