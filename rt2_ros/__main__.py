"""`python -m rt2_ros ...` is the `rt2-ros` command, for where its console script is not installed: a GPU
machine that runs `python -m rt2_ros bench policy --gpu` from a checkout, with no ROS and no pip install."""

import sys

from rt2_ros.cli import main

sys.exit(main())
