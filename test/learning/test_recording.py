"""Demonstrations as rosbag2 MCAP: written with the package's topics, read back aligned; a bag without
/rt2/action (a teleoperated real arm) gets its deltas from consecutive poses."""

import numpy as np
import pytest
import yaml

from rt2_ros.data import bag_format
from rt2_ros.data.bag_reader import bag_folders, read_episodes
from rt2_ros.data.recording import BagWriter, CollectConfig, complete


def test_a_collection_is_rosbag2_mcap_with_the_graphs_topics(recorded):
    bags = bag_folders(recorded)
    assert len(bags) == 2 and all(complete(bag) for bag in bags)
    info = yaml.safe_load((bags[0] / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert info["storage_identifier"] == "mcap"
    topics = {
        entry["topic_metadata"]["name"]: entry["topic_metadata"]["type"] for entry in info["topics_with_message_count"]
    }
    assert topics == {topic: kind for topic, kind in bag_format.TOPIC_TYPES.items()}
    assert list(bags[0].glob("*.mcap"))


def test_episodes_read_back_with_actions_proprio_and_ground_truth_aligned(recorded):
    episodes = [episode for bag in bag_folders(recorded) for episode in read_episodes(bag)]
    assert len(episodes) == 8
    # Half of them are disturbed (DART noise) and all run on physics and a renderer that differ between
    # machines: most, not necessarily all, are solved (8/8 where this was written).
    assert sum(episode.record["success"] for episode in episodes) >= 6
    for episode in episodes:
        record = episode.record
        assert len(episode.steps) == record["steps"] and episode.instruction == record["instruction"]
        # The expert's terminate comes on the solved frame only, and only when there is one.
        assert [step.action.terminate for step in episode.steps] == [False] * (record["steps"] - 1) + [
            record["success"]
        ]
        for step in episode.steps:
            assert step.image.shape == (224, 224, 3)
            # The pose and gripper a step carries are those of its own frame (not the one before).
            np.testing.assert_allclose(step.ee_position, step.privileged.ee_position, atol=1e-9)
            assert step.gripper == pytest.approx(step.privileged.gripper, abs=1e-6)
            assert np.all(np.abs(step.action.translation) <= 0.05)


def test_a_rerun_keeps_complete_bags(recorded):
    before = {bag: (bag / "metadata.yaml").stat().st_mtime_ns for bag in bag_folders(recorded)}
    from rt2_ros.data.recording import collect

    collect(CollectConfig(episodes=8, output=recorded, episodes_per_bag=4, seed=5))
    assert {bag: (bag / "metadata.yaml").stat().st_mtime_ns for bag in bag_folders(recorded)} == before


def test_a_recording_without_actions_derives_them_from_poses(tmp_path):
    """What `ros2 bag record /camera/image_raw /rt2/command /rt2/ee_pose /joint_states` on a real arm gives."""
    recorded_topics = (bag_format.COMMAND, bag_format.EE_POSE, bag_format.JOINT_STATES, bag_format.CAMERA)
    writer = BagWriter(tmp_path / "teleop", recorded_topics)
    writer.write(bag_format.COMMAND, 0.5, bag_format.string_message("pick up the red block"))
    positions = [np.array([0.4, 0.0, 0.2]) + step * np.array([0.01, -0.02, 0.0]) for step in range(4)]
    quaternion = np.array([1.0, 0.0, 0.0, 0.0])
    for step, position in enumerate(positions):
        stamp = 1.0 + 0.2 * step
        writer.write(bag_format.EE_POSE, stamp, bag_format.pose_message(position, quaternion, stamp, "base_link"))
        closure_joint = 0.04 * min(step, 2) / 2  # the finger joint closes over the first steps
        joints = bag_format.joint_state_message(["gripper_finger_left_joint"], [closure_joint], stamp)
        writer.write(bag_format.JOINT_STATES, stamp, joints)
        writer.write(bag_format.CAMERA, stamp, bag_format.image_message(np.zeros((8, 8, 3), np.uint8), stamp, "cam"))
    writer.close()
    (episode,) = read_episodes(tmp_path / "teleop")
    assert episode.derived_actions and len(episode.steps) == 4
    for first, second in zip(episode.steps, episode.steps[1:], strict=False):
        np.testing.assert_allclose(first.action.translation, second.ee_position - first.ee_position, atol=1e-12)
        np.testing.assert_allclose(first.action.rotation, 0.0, atol=1e-12)
        assert first.action.gripper == pytest.approx(second.gripper)
    assert episode.steps[-1].action.terminate


def test_a_bag_without_the_camera_is_refused_with_the_reason(tmp_path):
    writer = BagWriter(tmp_path / "commands", (bag_format.COMMAND,))
    writer.write(bag_format.COMMAND, 0.5, bag_format.string_message("pick up the red block"))
    writer.close()
    with pytest.raises(ValueError, match="no \\['/camera/image_raw', '/rt2/ee_pose'\\] in the recording"):
        list(read_episodes(tmp_path / "commands"))


def test_a_bag_interrupted_by_an_error_is_removed_so_a_rerun_records_it_again(tmp_path, monkeypatch):
    from rt2_ros.data import recording

    calls = []

    def failing(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyError("a bug in the second episode")
        return original(*args)

    original = recording.record_episode
    monkeypatch.setattr(recording, "record_episode", failing)
    config = CollectConfig(episodes=2, output=tmp_path, episodes_per_bag=2, seed=5)
    with pytest.raises(KeyError, match="second episode"):
        recording.record_bag(config, 0)
    assert not recording.bag_path(tmp_path, 0).exists()


def test_an_aged_recording_observes_before_each_step_and_labels_the_steps_state(tmp_path):
    """With max_frame_lag, a frame (and the pose and joints with it) is `frame_lag` s older than the state the
    expert's action is computed on: the action a policy acting on that observation should send."""
    from rt2_ros.data.phrasing import load_phrasings
    from rt2_ros.data.recording import record_episode
    from rt2_ros.sim.episode import DeltaFollower
    from rt2_ros.sim.expert import ScriptedExpert
    from rt2_ros.sim.variation import load_variations
    from rt2_ros.sim.world import SimWorld

    asked = []  # the stamps of the states the expert acts on

    class Spy(ScriptedExpert):
        def act(self, state):
            asked.append(state.stamp)
            return super().act(state)

    config = CollectConfig(episodes=1, output=tmp_path, image_size=64, disturbed_share=0.0, max_frame_lag=0.15)
    world = SimWorld(seed=0, image_size=(64, 64), variation=load_variations()["training"])
    writer = BagWriter(tmp_path / "bag")
    try:
        record = record_episode(
            config, world, DeltaFollower(world, 0.2), Spy(), writer, 0, load_phrasings()["training"]
        )
    finally:
        writer.close()
        world.close()
    assert 0.01 < record.frame_lag <= 0.15
    (episode,) = read_episodes(tmp_path / "bag")
    frames = np.array([step.stamp for step in episode.steps])
    assert len(frames) == len(asked) == record.steps > 2
    # The first frame is the reset's; every later one is lag s before its step, except a solved frame (at its step).
    observed_early = frames[1 : len(frames) - int(record.success)]
    np.testing.assert_allclose(observed_early + record.frame_lag, asked[1 : len(observed_early) + 1], atol=3e-3)
    assert frames[0] == pytest.approx(asked[0])
    for step in episode.steps:  # the pose and gripper a step carries are still its own frame's
        np.testing.assert_allclose(step.ee_position, step.privileged.ee_position, atol=1e-9)
        assert step.gripper == pytest.approx(step.privileged.gripper, abs=1e-6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"episodes": 0}, "episodes, episodes_per_bag and workers must be >= 1"),
        ({"image_size": 16}, "image_size must be 32..1024 px"),
        ({"disturbed_share": 1.5}, "disturbed_share must be in"),
        ({"max_frame_lag": -0.01}, "max_frame_lag -0.01 s"),
        ({"max_frame_lag": 0.2}, "max_frame_lag 0.2 s; expected 0 <= lag < one control period"),
        ({"variation": "nowhere"}, "variation 'nowhere'"),
    ],
)
def test_a_wrong_collection_setting_is_refused_with_the_reason(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        CollectConfig(**{"episodes": 1, "output": tmp_path, **change})
