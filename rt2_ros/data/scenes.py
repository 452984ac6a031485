"""Single scenes for the vision-language questions: a reset, its camera frame and its ground truth, no episode.

RT-2 co-fine-tunes on web image-text data; this is that data in miniature. A scene costs one reset and one
render (~30 ms at 224 px here) where an episode costs ~25 control steps, so scenes add variety cheaply: other
block colours (orange, which no robot episode shows), other layouts, more lighting.
"""

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rt2_ros.data.cache import Cache, CacheWriter, load_cache, preprocessing_key
from rt2_ros.data.recording import episode_seed
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import proprio_vector
from rt2_ros.sim.scene import SceneConfig, marker_look
from rt2_ros.sim.variation import load_variations
from rt2_ros.sim.world import SimWorld


def build_scene_cache(
    folder: Path,
    config: TinyVLAConfig,
    count: int,
    variation: str = "vqa_scenes",
    seed: int = 1,
    image_size: int = 224,
    on_scene: Callable[[], None] | None = None,
) -> Cache:
    """A cache of `count` question-only scenes of `variation` (reused when it already holds them)."""
    definition = asdict(load_variations()[variation])  # rebuilt when the variation's definition changes
    sources = {"scenes": {"count": count, "variation": variation, "seed": seed, "image_size": image_size,
                          "definition": json.loads(json.dumps(definition)),
                          "markers": marker_look(SceneConfig())}}  # fmt: skip
    try:
        cache = load_cache(folder)
        if cache.meta.get("scenes") == sources["scenes"] and all(
            cache.meta.get(key) == value for key, value in preprocessing_key(config).items()
        ):
            return cache
    except FileNotFoundError:
        pass
    world = SimWorld(seed=seed, image_size=(image_size, image_size), variation=load_variations()[variation])
    camera = world.camera()
    writer = CacheWriter(folder, count, config, {**sources, "camera": json.dumps(camera.to_dict())})
    try:
        for index in range(count):
            world.reset(seed=episode_seed(seed, index))
            state = world.privileged_state()
            proprio = proprio_vector(np.asarray(state.ee_position), np.asarray(state.ee_quaternion), state.gripper)
            writer.add(world.render(), proprio, None, None, -1 - index, state, camera)
            if on_scene is not None:
                on_scene()
    finally:
        world.close()
    return writer.close()
