"""The launch files are valid Python that define generate_launch_description, with every argument
described and defaulted; with launch_ros installed, each LaunchDescription is built."""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_FILES = ("rt2.launch.py", "gazebo.launch.py", "sim.launch.py")


def syntax_tree(name: str) -> ast.Module:
    path = ROOT / "launch" / name
    source = path.read_text()
    compile(source, str(path), "exec")
    return ast.parse(source, filename=str(path))


def calls(tree: ast.Module, function: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == function
    ]


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


@pytest.mark.parametrize("name", LAUNCH_FILES)
def test_defines_generate_launch_description(name):
    functions = {node.name for node in syntax_tree(name).body if isinstance(node, ast.FunctionDef)}
    assert "generate_launch_description" in functions


@pytest.mark.parametrize("name", LAUNCH_FILES)
def test_every_argument_has_a_description_and_a_default(name):
    declared = calls(syntax_tree(name), "DeclareLaunchArgument")
    assert declared
    for call in declared:
        argument = call.args[0].value
        description = keyword(call, "description")
        assert keyword(call, "default_value") is not None, f"{name}: {argument} has no default"
        assert description is not None, f"{name}: {argument} has no description"


def declared_arguments(name: str) -> set[str]:
    return {call.args[0].value for call in calls(syntax_tree(name), "DeclareLaunchArgument")}


@pytest.mark.parametrize("name", ["gazebo.launch.py", "sim.launch.py"])
def test_included_rt2_launch_receives_only_arguments_it_declares(name):
    includes = [
        call
        for call in calls(syntax_tree(name), "IncludeLaunchDescription")
        if any(getattr(node, "value", None) == "rt2.launch.py" for node in ast.walk(call))
    ]
    passed = set()
    for include in includes:
        arguments = keyword(include, "launch_arguments")
        if isinstance(arguments, ast.Call) and isinstance(arguments.func.value, ast.Dict):
            passed |= {key.value for key in arguments.func.value.keys}
    assert passed, f"{name} passes no arguments to rt2.launch.py"
    assert passed <= declared_arguments("rt2.launch.py")


def test_launch_configurations_read_are_declared():
    """rt2.launch.py's OpaqueFunction reads arguments by name: each must be declared."""
    tree = syntax_tree("rt2.launch.py")
    read = {
        call.args[0].value
        for call in calls(tree, "value")
        if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
    }
    assert read and read <= declared_arguments("rt2.launch.py")


@pytest.mark.parametrize("name", LAUNCH_FILES)
def test_config_files_named_as_defaults_exist(name):
    for call in calls(syntax_tree(name), "share"):
        parts = [arg.value for arg in call.args]
        if parts[0] in ("config", "urdf", "launch"):
            assert (ROOT.joinpath(*parts)).is_file(), f"{name} names {'/'.join(parts)}, which does not exist"


@pytest.mark.skipif(
    importlib.util.find_spec("launch_ros") is None, reason="launch_ros is not installable without a ROS 2 install"
)
@pytest.mark.parametrize("name", LAUNCH_FILES)
def test_launch_description_builds(name):
    from launch import LaunchDescription
    from launch.launch_description_sources import get_launch_description_from_python_launch_file

    description = get_launch_description_from_python_launch_file(str(ROOT / "launch" / name))
    assert isinstance(description, LaunchDescription)
    assert description.get_launch_arguments()
