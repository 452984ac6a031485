"""Choose an arm backend by name, importing only the one asked for (MoveIt may be absent)."""

import importlib

from rt2_ros.control.base import ArmBackend

# backend name -> "module:Class"
BACKENDS = {
    "builtin": "rt2_ros.control.builtin:BuiltinBackend",
    "servo": "rt2_ros.control.servo:ServoBackend",
    "moveit_py": "rt2_ros.control.moveit_py:MoveItPyBackend",
}


def backend_class(name: str) -> type[ArmBackend]:
    if name not in BACKENDS:
        raise ValueError(f"parameter 'backend' is {name!r}; expected one of {sorted(BACKENDS)}")
    module_name, class_name = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)
