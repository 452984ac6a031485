"""What a reset may draw: the whole scene distribution, a training split, or a held-out evaluation category.

The default draws everything the scene offers. Training and the evaluation categories narrow it
(config/generalization.yaml): which block colours appear, which colour the task's object has, which
(object colour, target colour) pairs are asked for, which table looks and how bright the lights are.
"""

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from rt2_ros.resources import resource_path
from rt2_ros.sim.privileged import TASK_KINDS
from rt2_ros.sim.scene import BLOCK_COLORS, BOWL_COLORS, SYMBOLS, TABLE_LOOKS

Pair = tuple[str, str]
GENERALIZATION_FILE = "generalization.yaml"


@dataclass(frozen=True)
class SceneVariation:
    block_colors: tuple[str, ...] = BLOCK_COLORS  # colours the blocks are drawn from
    object_colors: tuple[str, ...] = ()  # colours the task's object may have; () = any block colour
    task_kinds: tuple[str, ...] = TASK_KINDS  # kinds drawn when the reset does not name one
    only_pairs: tuple[Pair, ...] = ()  # (object colour, target colour) a targeted task must be one of; () = any
    excluded_pairs: tuple[Pair, ...] = ()  # (object colour, target colour) never asked
    table_looks: tuple[str, ...] = tuple(TABLE_LOOKS)  # names in scene.TABLE_LOOKS
    light_diffuse: tuple[float, float] = (0.35, 0.75)  # range of each light's diffuse intensity
    markers: tuple[int, int] = (0, 0)  # range of how many symbol markers lie on the table (at most the scene's)
    marker_symbols: tuple[str, ...] = SYMBOLS  # the symbols they show, drawn without repeats

    def __post_init__(self) -> None:
        colors = set(BLOCK_COLORS) | set(BOWL_COLORS)
        problems = [f"block colour {c!r}" for c in self.block_colors if c not in BLOCK_COLORS]
        problems += [f"object colour {c!r} (not among block_colors)" for c in self.object_colors
                     if c not in self.block_colors]  # fmt: skip
        problems += [f"task kind {k!r}" for k in self.task_kinds if k not in TASK_KINDS]
        problems += [f"table look {t!r}" for t in self.table_looks if t not in TABLE_LOOKS]
        problems += [f"pair {p!r}" for p in (*self.only_pairs, *self.excluded_pairs)
                     if len(p) != 2 or not set(p) <= colors]  # fmt: skip
        problems += [f"symbol {symbol!r}" for symbol in self.marker_symbols if symbol not in SYMBOLS]
        if problems:
            raise ValueError(f"scene variation: unknown {', '.join(problems)}")
        if len(self.block_colors) < 2 or not self.task_kinds or not self.table_looks:
            raise ValueError("scene variation: needs >= 2 block colours, a task kind and a table look")
        low, high = self.light_diffuse
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(f"scene variation: light_diffuse {self.light_diffuse} must be 0 <= low <= high <= 1")
        fewest, most = self.markers
        if not 0 <= fewest <= most <= len(self.marker_symbols):
            raise ValueError(f"scene variation: markers {self.markers} must be 0 <= low <= high <= its symbols")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "SceneVariation":
        """From YAML-style values (lists for tuples); unknown keys raise ValueError naming them."""
        names = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"scene variation: unknown keys {unknown}; expected some of {sorted(names)}")
        converted = {}
        for name, value in values.items():
            if name in ("only_pairs", "excluded_pairs"):
                converted[name] = tuple(tuple(pair) for pair in value)
            elif name == "markers":
                converted[name] = (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)
            else:
                converted[name] = tuple(str(v) for v in value) if name == "marker_symbols" else tuple(value)
        return cls(**converted)

    def object_allowed(self, color: str) -> bool:
        return not self.object_colors or color in self.object_colors

    def pair_allowed(self, object_color: str, target_color: str) -> bool:
        pair = (object_color, target_color)
        return (not self.only_pairs or pair in self.only_pairs) and pair not in self.excluded_pairs


def load_variations(path: Path | None = None) -> dict[str, SceneVariation]:
    """The named variations of config/generalization.yaml (or `path`); ValueError naming a bad one."""
    path = path or resource_path("config", GENERALIZATION_FILE)
    with open(path) as stream:
        document = yaml.safe_load(stream) or {}
    variations = {}
    for name, values in (document.get("variations") or {}).items():
        try:
            variations[name] = SceneVariation.from_dict(values or {})
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: variation {name!r}: {error}") from error
    return variations
