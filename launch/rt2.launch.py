"""rt2_ros on an arm with MoveIt in charge of motion: `ros2 launch rt2_ros rt2.launch.py`.

Starts robot_state_publisher, the rt2 pipeline (policy_node → safety_node → arm_controller_node), the
live view (overlay_node → /rt2/overlay; overlay:=false leaves it out), and, depending on the arguments:
  hardware:=mock      ros2_control_node with mock hardware and the controllers of config/ros2_controllers.yaml
                      (a dry run of the whole stack without an arm; the default)
  hardware:=gz        only the controller spawners: gz_ros2_control inside Gazebo hosts the controller
                      manager (launch/gazebo.launch.py includes this file so)
  hardware:=external  nothing: the arm's own driver (ur_robot_driver, franka_ros2...) runs the controllers
  arm_backend:=servo      MoveIt Servo (servo_node_main on Humble, servo_node later) with config/servo.yaml
  arm_backend:=moveit_py  MoveItPy inside arm_controller_node, with the MoveIt parameters of the config package
  arm_backend:=builtin    the project's own IK; needs no MoveIt

MoveIt parameters come from `moveit_config_package` (rt2_ros itself by default: config/rt2_arm.srdf,
kinematics.yaml, joint_limits.yaml, moveit_controllers.yaml) through moveit_configs_utils; for another arm
name its MoveIt config package, its description and its file names.
"""

from launch import LaunchContext, LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import Command, FindExecutable, LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

from rt2_ros.control.distro import distro_interfaces

PACKAGE = "rt2_ros"


def share(*parts: str) -> PathJoinSubstitution:
    return PathJoinSubstitution([FindPackageShare(PACKAGE), *parts])


def declare_arguments() -> list[DeclareLaunchArgument]:
    return [
        DeclareLaunchArgument(
            "hardware",
            default_value="mock",
            choices=["mock", "gz", "external"],
            description="Who runs the arm's controllers: mock (ros2_control mock hardware started here), "
            "gz (gz_ros2_control in Gazebo), external (the arm's own driver, already running).",
        ),
        DeclareLaunchArgument(
            "arm_backend",
            default_value="servo",
            choices=["servo", "moveit_py", "builtin"],
            description="How arm_controller_node moves the arm: MoveIt Servo twists, MoveItPy pose goals, "
            "or the builtin IK (no MoveIt).",
        ),
        DeclareLaunchArgument(
            "gripper_interface",
            default_value="topic",
            choices=["topic", "action"],
            description="Gripper command: topic (/gripper_controller/commands, forward_command_controller) "
            "or action (control_msgs/action/GripperCommand on /gripper_action_controller/gripper_cmd).",
        ),
        DeclareLaunchArgument(
            "robot_description_file",
            default_value=share("urdf", "rt2_arm.urdf.xacro"),
            description="URDF or xacro file of the arm (absolute path).",
        ),
        DeclareLaunchArgument(
            "xacro_args",
            default_value="",
            description="Extra xacro arguments for the description, space separated name:=value pairs "
            "(for rt2_arm: hardware_plugin:=<a real arm's ros2_control plugin>). "
            "mode:= is set from `hardware`.",
        ),
        DeclareLaunchArgument(
            "moveit_config_package",
            default_value=PACKAGE,
            description="Package holding the MoveIt configuration (SRDF, kinematics, joint limits, controllers).",
        ),
        DeclareLaunchArgument(
            "robot_name", default_value="rt2_arm", description="Robot name as the MoveIt config package knows it."
        ),
        DeclareLaunchArgument(
            "srdf_file",
            default_value="config/rt2_arm.srdf",
            description="SRDF, relative to moveit_config_package's share folder (or absolute).",
        ),
        DeclareLaunchArgument(
            "kinematics_file",
            default_value="config/kinematics.yaml",
            description="IK solver per planning group, relative to moveit_config_package (or absolute).",
        ),
        DeclareLaunchArgument(
            "joint_limits_file",
            default_value="config/joint_limits.yaml",
            description="MoveIt joint limits, relative to moveit_config_package (or absolute).",
        ),
        DeclareLaunchArgument(
            "moveit_controllers_file",
            default_value="config/moveit_controllers.yaml",
            description="Controllers MoveIt executes trajectories with, relative to moveit_config_package.",
        ),
        DeclareLaunchArgument(
            "moveit_py_config",
            default_value=share("config", "moveit_py.yaml"),
            description="MoveItCpp options for the moveit_py backend (absolute path).",
        ),
        DeclareLaunchArgument(
            "servo_config", default_value=share("config", "servo.yaml"), description="MoveIt Servo parameters file."
        ),
        DeclareLaunchArgument(
            "controllers_config",
            default_value=share("config", "ros2_controllers.yaml"),
            description="ros2_control controllers file for hardware:=mock.",
        ),
        DeclareLaunchArgument(
            "camera_topic",
            default_value="/camera/image_raw",
            description="sensor_msgs/Image topic of the scene camera the policy sees.",
        ),
        # Empty policy arguments keep the value of policy_config.
        DeclareLaunchArgument(
            "policy_backend",
            default_value="",
            description="Policy backend of policy_node: hf, remote, tiny or scripted (empty: policy_config's).",
        ),
        DeclareLaunchArgument(
            "model_path",
            default_value="",
            description="Local checkpoint folder for the hf and tiny backends (empty: policy_config's).",
        ),
        DeclareLaunchArgument(
            "server_url",
            default_value="",
            description="Policy server URL for the remote backend (empty: policy_config's).",
        ),
        DeclareLaunchArgument(
            "device",
            default_value="",
            description="Inference device of policy_node: cpu, cuda or cuda:N (empty: policy_config's).",
        ),
        DeclareLaunchArgument(
            "policy_config", default_value=share("config", "policy.yaml"), description="policy_node parameters file."
        ),
        DeclareLaunchArgument(
            "safety_config",
            default_value=share("config", "safety.yaml"),
            description="safety_node parameters file (limits, workspace box, timeouts).",
        ),
        DeclareLaunchArgument(
            "arm_controller_config",
            default_value=share("config", "arm_controller.yaml"),
            description="arm_controller_node parameters file.",
        ),
        DeclareLaunchArgument(
            "overlay",
            default_value="true",
            choices=["true", "false"],
            description="Start overlay_node: the camera frame with instruction, delta, tokens and safety state "
            "drawn on it, on /rt2/overlay (watch with rqt_image_view, RViz or Foxglove).",
        ),
        DeclareLaunchArgument(
            "overlay_config",
            default_value=share("config", "overlay.yaml"),
            description="overlay_node parameters file.",
        ),
        DeclareLaunchArgument(
            "max_frozen_time",
            default_value="auto",
            description="policy_node's max_frozen_time (s of identical pixels across new stamps before frames are "
            "refused): auto = 1.0 with a real arm (hardware:=external; a real sensor's noise changes every frame), "
            "0 (off) for mock and gz; a number sets it.",
        ),
        DeclareLaunchArgument(
            "console",
            default_value="false",
            choices=["true", "false"],
            description="Start console_node: the operator page (live view, command box, e-stop) on "
            "http://127.0.0.1:8080 (host and port in console_config).",
        ),
        DeclareLaunchArgument(
            "console_config",
            default_value=share("config", "console.yaml"),
            description="console_node parameters file.",
        ),
        DeclareLaunchArgument(
            "use_sim_time", default_value="false", choices=["true", "false"], description="Follow /clock."
        ),
    ]


def parse_xacro_args(text: str) -> dict[str, str]:
    pairs = {}
    for item in text.split():
        name, separator, value = item.partition(":=")
        if not separator or not name:
            raise ValueError(f"xacro_args item {item!r} is not name:=value")
        pairs[name] = value
    return pairs


def moveit_parameters(value, description_file: str, mappings: dict[str, str]) -> dict:
    """The MoveIt parameters (description, SRDF, kinematics, limits, pipelines, execution) as one dict."""
    try:
        from moveit_configs_utils import MoveItConfigsBuilder
    except ImportError as error:
        interfaces = distro_interfaces()
        raise RuntimeError(
            f"arm_backend servo and moveit_py need MoveIt: sudo apt install {interfaces.apt_package('moveit')} "
            f"{interfaces.apt_package('moveit_configs_utils')} ({error})"
        ) from error
    return (
        MoveItConfigsBuilder(value("robot_name"), package_name=value("moveit_config_package"))
        .robot_description(file_path=description_file, mappings=mappings)
        .robot_description_semantic(file_path=value("srdf_file"))
        .robot_description_kinematics(file_path=value("kinematics_file"))
        .joint_limits(file_path=value("joint_limits_file"))
        .trajectory_execution(file_path=value("moveit_controllers_file"))
        .planning_pipelines(pipelines=["ompl"])
        .moveit_cpp(file_path=value("moveit_py_config"))
        .to_moveit_configs()
        .to_dict()
    )


def launch_setup(context: LaunchContext) -> list[Node]:
    def value(name: str) -> str:
        return LaunchConfiguration(name).perform(context)

    hardware, backend, gripper = value("hardware"), value("arm_backend"), value("gripper_interface")
    use_sim_time = value("use_sim_time") == "true"
    description_file = value("robot_description_file")
    # rt2_arm's xacro `mode` selects the ros2_control hardware; an external driver needs none.
    mode = {"mode": hardware} if hardware in ("mock", "gz") else {}
    mappings = {**mode, **parse_xacro_args(value("xacro_args"))}
    xacro_command = [FindExecutable(name="xacro"), " ", description_file]
    for name, argument in mappings.items():
        xacro_command += [" ", f"{name}:={argument}"]
    robot_description = {"robot_description": ParameterValue(Command(xacro_command), value_type=str)}
    sim_time = {"use_sim_time": use_sim_time}

    actions: list[Node] = [
        Node(
            package="robot_state_publisher",
            executable="robot_state_publisher",
            parameters=[robot_description, sim_time],
            output="screen",
        )
    ]

    if hardware == "mock":
        # Humble reads the description as a parameter, Jazzy and later from /robot_description.
        actions.append(
            Node(
                package="controller_manager",
                executable="ros2_control_node",
                parameters=[robot_description, value("controllers_config")],
                remappings=[("~/robot_description", "/robot_description")],
                output="screen",
            )
        )
    if hardware in ("mock", "gz"):
        gripper_controller = "gripper_controller" if gripper == "topic" else "gripper_action_controller"
        for controller in ("joint_state_broadcaster", "arm_controller", gripper_controller):
            actions.append(
                Node(
                    package="controller_manager",
                    executable="spawner",
                    # Gazebo can take a while to start its controller manager.
                    arguments=[
                        *(controller, "--controller-manager", "/controller_manager"),
                        *("--controller-manager-timeout", "120"),
                    ],
                    parameters=[sim_time],
                    output="screen",
                )
            )

    moveit = moveit_parameters(value, description_file, mappings) if backend in ("servo", "moveit_py") else {}
    if backend == "servo":
        actions.append(
            Node(
                package="moveit_servo",
                executable=distro_interfaces().servo_executable,
                name="servo_node",
                parameters=[
                    value("servo_config"),
                    {"moveit_servo": {"use_gazebo": hardware == "gz"}},
                    moveit,
                    sim_time,
                ],
                output="screen",
            )
        )

    policy_overrides = {
        parameter: value(argument)
        for parameter, argument in (
            ("backend", "policy_backend"),
            ("model_path", "model_path"),
            ("server_url", "server_url"),
            ("device", "device"),
        )
        if value(argument)
    }
    frozen = value("max_frozen_time")
    # A real camera's noise changes every frame, so identical pixels mean a stuck driver: check it on real arms.
    policy_overrides["max_frozen_time"] = (
        (1.0 if hardware == "external" else 0.0) if frozen == "auto" else float(frozen)
    )
    arm_controller_parameters = [value("arm_controller_config"), {"backend": backend, "gripper_interface": gripper}]
    if backend == "moveit_py":
        # MoveItPy reads the node's --params-file arguments: that is how it gets the MoveIt parameters.
        arm_controller_parameters.append(moveit)
    actions += [
        Node(
            package=PACKAGE,
            executable="policy_node",
            parameters=[
                value("policy_config"),
                policy_overrides,
                sim_time,
            ],
            remappings=[("/camera/image_raw", value("camera_topic"))],
            output="screen",
        ),
        Node(
            package=PACKAGE,
            executable="safety_node",
            parameters=[value("safety_config"), sim_time],
            output="screen",
        ),
        Node(
            package=PACKAGE,
            executable="arm_controller_node",
            parameters=[*arm_controller_parameters, sim_time],
            output="screen",
        ),
    ]
    for viewer in ("overlay", "console"):  # what people watch: the live view, the operator page
        if value(viewer) == "true":
            actions.append(
                Node(
                    package=PACKAGE,
                    executable=f"{viewer}_node",
                    parameters=[value(f"{viewer}_config"), sim_time],
                    remappings=[("/camera/image_raw", value("camera_topic"))],
                    output="screen",
                )
            )
    return actions


def generate_launch_description() -> LaunchDescription:
    return LaunchDescription([*declare_arguments(), OpaqueFunction(function=launch_setup)])
