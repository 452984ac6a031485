"""`rt2-ros bench safety --quick` runs end to end and reports both paths (numbers only, no timing asserts)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from rt2_ros.local_dds import loopback_environment

pytestmark = pytest.mark.ros


def test_quick_benchmark_prints_both_paths(tmp_path):
    report = tmp_path / "safety.json"
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("rt2-ros")), "bench", "safety", "--quick", "--json", str(report)],
        env=loopback_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "plain relay node" in completed.stdout and "safety_node (all checks)" in completed.stdout
    assert "added by the checks: p50" in completed.stdout
    results = json.loads(report.read_text())["safety"]
    for path in ("relay", "safety"):
        assert results[f"{path}_received"] > 0
        assert math.isfinite(results[f"{path}_p50_ms"]) and math.isfinite(results[f"{path}_p99_ms"])
    assert math.isfinite(results["p99_ratio"]) and results["gate_in_process_us"] > 0
