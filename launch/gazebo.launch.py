"""rt2_ros with the arm in Gazebo (gz sim): `ros2 launch rt2_ros gazebo.launch.py`.

Starts gz sim through ros_gz_sim, spawns the arm from /robot_description (rt2_arm.urdf.xacro with
mode:=gz: gz_ros2_control hosts the controller manager with config/ros2_controllers.yaml), bridges the
scene camera and /clock to ROS with ros_gz_bridge, and includes rt2.launch.py with hardware:=gz and
use_sim_time:=true (controller spawners, robot_state_publisher, the rt2 pipeline, overlay_node's live view
of the bridged camera on /rt2/overlay and, for arm_backend servo or moveit_py, MoveIt). Every argument of
rt2.launch.py can be given here too (overlay:=false leaves the live view out).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "rt2_ros"


def generate_launch_description() -> LaunchDescription:
    arguments = [
        DeclareLaunchArgument(
            "world",
            default_value="empty.sdf",
            description="gz sim world file (name on GZ_SIM_RESOURCE_PATH or absolute path).",
        ),
        DeclareLaunchArgument(
            "gz_args", default_value="-r", description="More gz sim arguments (-r: start running; -s: headless)."
        ),
        DeclareLaunchArgument(
            "arm_backend",
            default_value="builtin",
            choices=["builtin", "servo", "moveit_py"],
            description="arm_controller_node backend; servo and moveit_py also start MoveIt.",
        ),
        DeclareLaunchArgument(
            "camera_gz_topic",
            default_value="/camera/image_raw",
            description="gz topic of the scene camera sensor (the URDF's <topic>); bridged to the same ROS name.",
        ),
    ]
    gz_sim_launch = PathJoinSubstitution([FindPackageShare("ros_gz_sim"), "launch", "gz_sim.launch.py"])
    gz_sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(gz_sim_launch),
        launch_arguments={"gz_args": [LaunchConfiguration("gz_args"), " ", LaunchConfiguration("world")]}.items(),
    )
    spawn = Node(
        package="ros_gz_sim",
        executable="create",
        arguments=["-topic", "robot_description", "-name", "rt2_arm"],
        output="screen",
    )
    # ROS@ROS type[gz type: '[' carries gz → ROS only.
    camera_topic = LaunchConfiguration("camera_gz_topic")
    bridge = Node(
        package="ros_gz_bridge",
        executable="parameter_bridge",
        arguments=[
            "/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock",
            [camera_topic, "@sensor_msgs/msg/Image[gz.msgs.Image"],
        ],
        parameters=[{"use_sim_time": True}],
        output="screen",
    )
    pipeline = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare(PACKAGE), "launch", "rt2.launch.py"])),
        launch_arguments={
            "hardware": "gz",
            "use_sim_time": "true",
            "arm_backend": LaunchConfiguration("arm_backend"),
            "camera_topic": camera_topic,
        }.items(),
    )
    return LaunchDescription([*arguments, gz_sim, spawn, bridge, pipeline])
