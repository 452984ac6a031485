"""Declare node parameters once, with a description, a type and bounds.

A node lists its parameters as `ParameterSpec`s; `declare_parameters` declares each with a
`ParameterDescriptor` (so `ros2 param describe` shows the description and range) and returns
the values. Values outside their bounds stop the node at start with a `ValueError` naming the
parameter: rclpy enforces ranges on `set_parameters`, and this check adds the same guarantee
for values given at start-up (overrides from --ros-args or a yaml file).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
from rclpy.node import Node


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    default: Any
    description: str
    minimum: float | None = None  # inclusive lower bound (numbers and each element of arrays)
    maximum: float | None = None  # inclusive upper bound
    choices: Sequence[str] | None = None  # allowed values of a string parameter
    length: int | None = None  # required length of an array parameter
    read_only: bool = False  # cannot be changed after start (safety limits)


def _descriptor(spec: ParameterSpec) -> ParameterDescriptor:
    description = spec.description
    if spec.choices:
        description += f" One of: {', '.join(spec.choices)}."
    if spec.length is not None:
        description += f" Exactly {spec.length} values."
    descriptor = ParameterDescriptor(description=description, read_only=spec.read_only)
    is_scalar = not isinstance(spec.default, (list, tuple))
    if is_scalar and spec.minimum is not None and spec.maximum is not None:
        if isinstance(spec.default, bool):
            pass
        elif isinstance(spec.default, int):
            descriptor.integer_range = [IntegerRange(from_value=int(spec.minimum), to_value=int(spec.maximum), step=0)]
        elif isinstance(spec.default, float):
            descriptor.floating_point_range = [
                FloatingPointRange(from_value=float(spec.minimum), to_value=float(spec.maximum), step=0.0)
            ]
    return descriptor


def check_value(spec: ParameterSpec, value: Any) -> None:
    """Raise ValueError naming the parameter when `value` breaks the spec."""
    if spec.choices is not None and value not in spec.choices:
        raise ValueError(f"parameter '{spec.name}' is {value!r}; expected one of {list(spec.choices)}")
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if spec.length is not None and len(values) != spec.length:
        raise ValueError(f"parameter '{spec.name}' has {len(values)} values; expected {spec.length}")
    for element in values:
        if isinstance(element, bool) or not isinstance(element, (int, float)):
            continue
        if spec.minimum is not None and not element >= spec.minimum:
            raise ValueError(f"parameter '{spec.name}' is {value!r}; must be >= {spec.minimum}")
        if spec.maximum is not None and not element <= spec.maximum:
            raise ValueError(f"parameter '{spec.name}' is {value!r}; must be <= {spec.maximum}")


def declare_parameters(node: Node, specs: Sequence[ParameterSpec]) -> dict[str, Any]:
    """Declare every spec on `node`, check the values it starts with, return them by name."""
    values: dict[str, Any] = {}
    for spec in specs:
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        try:
            parameter = node.declare_parameter(spec.name, default, _descriptor(spec))
        except (InvalidParameterValueException, InvalidParameterTypeException) as error:
            # rclpy checks a start-up value against the descriptor's range and type itself.
            raise ValueError(f"parameter '{spec.name}': {error}") from error
        value = parameter.value
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        check_value(spec, value)
        values[spec.name] = value
    return values
