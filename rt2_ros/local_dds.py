"""Keep every ROS process rt2_ros starts (tests, demo, benchmarks) on this machine.

DDS discovers peers by multicast on every interface unless told otherwise. The demo and the
tests run nodes on a developer's or CI's machine, where they must not reach, or be reached
from, anything else: discovery stays on loopback and each run gets its own domain id so
parallel runs do not hear each other.
"""

import os
import random

LOOPBACK = "LOCALHOST"


def loopback_environment(domain_id: int | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment that keeps DDS on loopback, in `domain_id` (random if None)."""
    environment = dict(os.environ if base is None else base)
    environment["ROS_AUTOMATIC_DISCOVERY_RANGE"] = LOOPBACK
    environment.pop("ROS_STATIC_PEERS", None)
    # Domains 1..100 keep clear of 0 (everyone's default) and of the ids above 101 whose
    # ports collide with the ephemeral range on Linux.
    environment["ROS_DOMAIN_ID"] = str(domain_id if domain_id is not None else random.randint(1, 100))
    return environment


def use_loopback(domain_id: int | None = None) -> int:
    """Set the loopback environment on this process (before rclpy.init); return the domain id."""
    environment = loopback_environment(domain_id)
    for name in ("ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_DOMAIN_ID"):
        os.environ[name] = environment[name]
    os.environ.pop("ROS_STATIC_PEERS", None)
    return int(environment["ROS_DOMAIN_ID"])
