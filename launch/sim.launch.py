"""rt2_ros in the embedded MuJoCo simulation: `ros2 launch rt2_ros sim.launch.py`.

sim_node stands in for camera and arm (it publishes /camera/image_raw and /joint_states and follows
/arm_controller/joint_trajectory and /gripper_controller/commands, as ros2_control controllers would);
the rt2 pipeline comes from rt2.launch.py with hardware:=external and the builtin arm backend, so no
MoveIt, Gazebo or ros2_control is needed; overlay_node draws the live view on /rt2/overlay. Then:
    ros2 topic pub --once /rt2/command std_msgs/msg/String "{data: 'pick up the red block'}"
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "rt2_ros"


def share(*parts: str) -> PathJoinSubstitution:
    return PathJoinSubstitution([FindPackageShare(PACKAGE), *parts])


def generate_launch_description() -> LaunchDescription:
    arguments = [
        DeclareLaunchArgument(
            "sim_config", default_value=share("config", "sim.yaml"), description="sim_node parameters file."
        ),
        DeclareLaunchArgument(
            "policy_backend",
            default_value="scripted",
            description="Policy backend: scripted (the simulator's expert, needs no model), hf, remote or tiny.",
        ),
        DeclareLaunchArgument(
            "model_path", default_value="", description="Local checkpoint folder for hf and tiny (empty: none)."
        ),
        DeclareLaunchArgument(
            "server_url", default_value="", description="Policy server URL for the remote backend (empty: none)."
        ),
        DeclareLaunchArgument("device", default_value="cpu", description="Inference device: cpu, cuda or cuda:N."),
        DeclareLaunchArgument(
            "overlay",
            default_value="true",
            choices=["true", "false"],
            description="Start overlay_node (the annotated camera view on /rt2/overlay).",
        ),
        DeclareLaunchArgument(
            "console",
            default_value="false",
            choices=["true", "false"],
            description="Start console_node: the operator page on http://127.0.0.1:8080.",
        ),
    ]
    simulator = Node(
        package=PACKAGE,
        executable="sim_node",
        parameters=[LaunchConfiguration("sim_config")],
        output="screen",
    )
    pipeline = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(share("launch", "rt2.launch.py")),
        launch_arguments={
            "hardware": "external",
            "arm_backend": "builtin",
            "policy_backend": LaunchConfiguration("policy_backend"),
            "model_path": LaunchConfiguration("model_path"),
            "server_url": LaunchConfiguration("server_url"),
            "device": LaunchConfiguration("device"),
            "overlay": LaunchConfiguration("overlay"),
            "console": LaunchConfiguration("console"),
            # MuJoCo's renders are noiseless: a still arm gives identical frames (sim_node's camera_noise adds noise).
            "max_frozen_time": "0.0",
        }.items(),
    )
    return LaunchDescription([*arguments, simulator, pipeline])
