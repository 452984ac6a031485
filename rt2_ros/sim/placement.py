"""Where a reset puts the scene's objects: seeded, never overlapping, and never failing for a scene that fits.

Each object has a round footprint (a keep-out radius around its centre); two centres are at least the sum
of their radii apart. `sample_layout` draws centres uniformly in the placement area by rejection, object
after object. That can paint itself into a corner (about one episode seed in 1,500 with the default scene
placed its bowls so that nothing else fitted), so a failed attempt is redrawn from a generator derived
from the episode seed (reproducible), and after `LAYOUT_ATTEMPTS` failures the objects take the places
of `packed_layout`, a deterministic packing. `check_fits` runs that packing when a world is built, so a
scene whose objects cannot all fit is rejected at start with a clear message, never at some later reset.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Where object centres go at a reset (base frame, m): inside the arm's top-down reach and the camera's view.
PLACEMENT_X = (0.32, 0.62)
PLACEMENT_Y = (-0.26, 0.26)
SPOT_TRIES = 1000  # random centres tried for one object before the attempt is given up
LAYOUT_ATTEMPTS = 16  # attempts (the first from the episode's own generator) before the packed layout
PACKING_STEP = 0.005  # m between the candidate centres of the packed layout


@dataclass(frozen=True)
class Footprint:
    keep_out: float  # m, radius around the centre that no other footprint may reach
    turns: bool  # the object gets a random yaw (bowls are round and static: no)


@dataclass(frozen=True)
class Spot:
    xy: np.ndarray  # (2,) centre in the base frame, m
    yaw: float  # rad about the vertical (0 for objects that do not turn)


def overlapping(centres: Sequence[np.ndarray], footprints: Sequence[Footprint]) -> list[tuple[int, int]]:
    """Index pairs of footprints that reach into each other (empty for a valid layout)."""
    pairs = []
    for first in range(len(centres)):
        for second in range(first + 1, len(centres)):
            reach = footprints[first].keep_out + footprints[second].keep_out
            if np.linalg.norm(np.asarray(centres[first]) - np.asarray(centres[second])) < reach:
                pairs.append((first, second))
    return pairs


def packed_layout(footprints: Sequence[Footprint]) -> list[np.ndarray]:
    """A deterministic layout: largest first, each at the first free point of a lattice over the area.

    ValueError naming the object counts when even this packing cannot fit them.
    """
    xs = np.minimum(np.arange(PLACEMENT_X[0], PLACEMENT_X[1] + PACKING_STEP / 2, PACKING_STEP), PLACEMENT_X[1])
    ys = np.minimum(np.arange(PLACEMENT_Y[0], PLACEMENT_Y[1] + PACKING_STEP / 2, PACKING_STEP), PLACEMENT_Y[1])
    candidates = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)  # (N, 2), x-major
    centres: list[np.ndarray | None] = [None] * len(footprints)
    for index in sorted(range(len(footprints)), key=lambda i: -footprints[i].keep_out):
        free = np.ones(len(candidates), dtype=bool)
        for other, centre in enumerate(centres):
            if centre is not None:
                reach = footprints[index].keep_out + footprints[other].keep_out
                free &= np.linalg.norm(candidates - centre, axis=1) >= reach
        if not free.any():
            radii = ", ".join(f"{footprint.keep_out:.3f}" for footprint in footprints)
            raise ValueError(
                f"the scene's {len(footprints)} objects (keep-out radii {radii} m) do not fit in the placement "
                f"area x {PLACEMENT_X}, y {PLACEMENT_Y} m: use fewer blocks or bowls, or smaller ones"
            )
        centres[index] = candidates[np.argmax(free)].copy()
    return [centre for centre in centres if centre is not None]


def check_fits(footprints: Sequence[Footprint]) -> None:
    """ValueError when the objects cannot all be placed (see packed_layout); nothing otherwise."""
    packed_layout(footprints)


def sample_layout(rng: np.random.Generator, footprints: Sequence[Footprint], episode_seed: int) -> list[Spot]:
    """A spot per footprint, in order; the same generator state and seed give the same spots."""
    spots = _attempt(rng, footprints)
    for attempt in range(1, LAYOUT_ATTEMPTS):
        if spots is not None:
            return spots
        spots = _attempt(np.random.default_rng([episode_seed, attempt]), footprints)
    if spots is not None:
        return spots
    turn = np.random.default_rng([episode_seed, LAYOUT_ATTEMPTS])
    return [
        Spot(centre, float(turn.uniform(-np.pi, np.pi)) if footprint.turns else 0.0)
        for centre, footprint in zip(packed_layout(footprints), footprints, strict=True)
    ]


def _attempt(rng: np.random.Generator, footprints: Sequence[Footprint]) -> list[Spot] | None:
    """One rejection-sampling pass (a centre, then a yaw for objects that turn); None when one did not fit."""
    spots: list[Spot] = []
    for footprint in footprints:
        for _ in range(SPOT_TRIES):
            xy = np.array([rng.uniform(*PLACEMENT_X), rng.uniform(*PLACEMENT_Y)])
            if all(np.linalg.norm(xy - spot.xy) >= footprint.keep_out + other.keep_out
                   for spot, other in zip(spots, footprints, strict=False)):  # fmt: skip
                break
        else:
            return None
        spots.append(Spot(xy, float(rng.uniform(-np.pi, np.pi)) if footprint.turns else 0.0))
    return spots
