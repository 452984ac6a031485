"""resource_path finds data folders in a checkout, a colcon (ament) install and a pip install."""

import pytest

from rt2_ros.resources import resource_path


def test_finds_the_checkouts_config():
    from pathlib import Path

    repository = Path(__file__).resolve().parents[2]
    assert resource_path("config", "action_space.yaml") == repository / "config" / "action_space.yaml"


def test_missing_resource_names_the_places_it_looked():
    with pytest.raises(FileNotFoundError, match=r"'config/no_such_file.yaml' not found; looked in: .*no_such_file"):
        resource_path("config", "no_such_file.yaml")


def test_needs_a_path():
    with pytest.raises(ValueError, match="at least one path component"):
        resource_path()


def test_falls_back_to_the_ament_share_directory(tmp_path, monkeypatch):
    pytest.importorskip("ament_index_python", reason="ament_index_python is part of the ROS 2 wheels")
    # the layout colcon installs: a marker in the ament index and share/rt2_ros/<data>
    marker = tmp_path / "share" / "ament_index" / "resource_index" / "packages" / "rt2_ros"
    marker.parent.mkdir(parents=True)
    marker.touch()
    installed = tmp_path / "share" / "rt2_ros" / "config" / "only_in_install.yaml"
    installed.parent.mkdir(parents=True)
    installed.write_text("x: 1\n")
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(tmp_path))
    assert resource_path("config", "only_in_install.yaml") == installed


def test_falls_back_to_the_pip_data_files_under_sys_prefix(tmp_path, monkeypatch):
    # the layout setup.py's data_files give a plain pip install: <prefix>/share/rt2_ros/<data>
    installed = tmp_path / "share" / "rt2_ros" / "config" / "only_in_pip_install.yaml"
    installed.parent.mkdir(parents=True)
    installed.write_text("x: 1\n")
    monkeypatch.setattr("sys.prefix", str(tmp_path))
    monkeypatch.delenv("AMENT_PREFIX_PATH", raising=False)
    assert resource_path("config", "only_in_pip_install.yaml") == installed
