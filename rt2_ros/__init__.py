"""rt2_ros: an RT-2-style Vision-Language-Action policy in a ROS 2 control loop."""

# The generated messages (rt2_ros.msg) live in colcon's install space while the Python
# modules may come from a pip install of this checkout: let both folders serve the package.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__version__ = "0.1.0"
