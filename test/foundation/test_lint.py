"""Style cannot drift: `ruff check` and `ruff format --check` are part of `make test`.

The configuration is in pyproject.toml; `make lint` runs the same two commands by hand.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("rt2_ros", "test", "launch")
RUFF = Path(sys.executable).parent / "ruff"  # the venv's ruff (requirements/dev.txt), not one on PATH


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [str(RUFF), *command, *CHECKED], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"ruff {' '.join(command)} found:\n{result.stdout}{result.stderr}"
