"""Find the package's data folders (config/, urdf/, launch/) wherever rt2_ros is installed.

Three layouts exist. An editable install of this checkout runs the modules from the source
tree, where the data folders sit beside the package (the repository root, marked by package.xml).
A colcon install copies the modules into site-packages and the data folders into
`share/rt2_ros/`, which ament_index_python finds through AMENT_PREFIX_PATH. A plain
`pip install` (a training server without ROS) puts the data folders into
`<sys.prefix>/share/rt2_ros/` (setup.py's data_files), the same layout under the Python prefix.
"""

import sys
from pathlib import Path

PACKAGE_NAME = "rt2_ros"


def _source_root() -> Path | None:
    """The repository root when the modules run from a checkout, else None."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "package.xml").is_file() else None


def _share_directory() -> Path | None:
    """`share/rt2_ros` of a colcon install when ament_index_python can find it, else None."""
    try:
        from ament_index_python.packages import get_package_share_directory
    except ImportError:
        return None
    try:
        return Path(get_package_share_directory(PACKAGE_NAME))
    # PackageNotFoundError is a KeyError; an unset AMENT_PREFIX_PATH raises OSError (EnvironmentError).
    except (LookupError, OSError):
        return None


def resource_path(*parts: str) -> Path:
    """The existing file or folder `parts` (e.g. "config", "action_space.yaml") of the installed package.

    Raises FileNotFoundError naming every place it looked.
    """
    if not parts:
        raise ValueError("resource_path needs at least one path component, e.g. resource_path('config')")
    pip_share = Path(sys.prefix) / "share" / PACKAGE_NAME
    roots = [root for root in (_source_root(), _share_directory(), pip_share) if root is not None]
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    looked = ", ".join(str(root.joinpath(*parts)) for root in roots) or "nowhere (no checkout, no ament index)"
    raise FileNotFoundError(f"rt2_ros resource '{'/'.join(parts)}' not found; looked in: {looked}")
