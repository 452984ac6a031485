"""Joint trajectories: followed like joint_trajectory_controller, bad ones refused with the reason."""

import numpy as np
import pytest

from rt2_ros.sim.trajectory import JointLimits, TrajectoryError, check_trajectory, start_trajectory

LIMITS = JointLimits(("a", "b"), np.array([-1.0, -2.0]), np.array([1.0, 2.0]))


def test_points_are_reordered_and_interpolated_from_the_current_setpoint():
    times, positions = check_trajectory(LIMITS, ["b", "a"], [[1.0, 0.5], [2.0, 1.0]], [1.0, 2.0])
    trajectory = start_trajectory(10.0, np.array([0.0, 0.0]), times, positions)
    np.testing.assert_allclose(trajectory.sample(10.0), [0.0, 0.0])
    np.testing.assert_allclose(trajectory.sample(10.5), [0.25, 0.5])
    np.testing.assert_allclose(trajectory.sample(11.5), [0.75, 1.5])
    np.testing.assert_allclose(trajectory.sample(99.0), [1.0, 2.0])  # held after the last point
    assert trajectory.finished(12.0) and not trajectory.finished(11.9)


def test_a_point_due_at_once_is_jumped_to():
    times, positions = check_trajectory(LIMITS, ["a", "b"], [[0.5, 0.5], [1.0, 1.0]], [0.0, 1.0])
    trajectory = start_trajectory(0.0, np.array([0.0, 0.0]), times, positions)
    np.testing.assert_allclose(trajectory.sample(0.0), [0.5, 0.5])


@pytest.mark.parametrize(
    ("names", "points", "times", "message"),
    [
        (["a", "c"], [[0, 0]], [1], "unknown joint names \\['c'\\]"),
        (["a"], [[0]], [1], "missing"),
        (["a", "b", "a"], [[0, 0, 0]], [1], "repeated"),
        (["a", "b"], [], [], "without points"),
        (["a", "b"], [[0]], [1], "2 positions"),
        (["a", "b"], [[0, float("nan")]], [1], "non-finite"),
        (["a", "b"], [[0, 2.5]], [1], "b = 2.5000 at point 0 is outside its limits"),
        (["a", "b"], [[0, 0], [0, 0]], [1, 1], "strictly increase"),
        (["a", "b"], [[0, 0]], [-1], ">= 0"),
    ],
)
def test_bad_trajectories_are_refused(names, points, times, message):
    with pytest.raises(TrajectoryError, match=message):
        check_trajectory(LIMITS, names, points, times)
