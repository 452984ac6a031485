"""`rt2-ros bench policy` runs end to end and prints its table (numbers are not checked: no timed asserts)."""

import json
import os
import subprocess
import sys

import pytest

from rt2_ros.cli import main

# What a GPU machine without ROS lacks: the GPU benchmark must run there from a checkout.
ROS_MODULES = ("rclpy", "std_msgs", "sensor_msgs", "geometry_msgs", "builtin_interfaces", "rt2_ros.msg")
WITHOUT_ROS = (
    "import runpy, sys\n"
    f"sys.modules.update(dict.fromkeys({ROS_MODULES!r}))  # None: importing any of them raises ImportError\n"
    "sys.argv = ['rt2_ros', *sys.argv[1:]]\n"
    "runpy.run_module('rt2_ros', run_name='__main__')\n"
)


def test_gpu_benchmark_runs_with_tiny_shapes_without_ros(tmp_path):
    """`python -m rt2_ros bench policy --gpu` as scripts/device_check.sh runs it, with no ROS importable."""
    output = tmp_path / "gpu.json"
    arguments = ["bench", "policy", "--gpu", "--tiny", "--quick", "--json", str(output)]
    # On the CPU even where a GPU is present: there the comparison below would be bf16, where near-ties flip.
    environment = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    command = [sys.executable, "-c", WITHOUT_ROS, *arguments]
    run = subprocess.run(command, capture_output=True, text=True, timeout=240, env=environment)
    assert run.returncode == 0, run.stdout + run.stderr
    table = run.stdout
    for path in ("plain", "static", "parallel"):
        assert f"\n{path} " in table
    results = json.loads(output.read_text())["policy_gpu"]
    assert results["model"] == "tiny" and results["sequence"] == 1 + 256 + 19
    # the optimised decoding gives plain generate's tokens (fp32 on this machine)
    assert results["static_tokens_equal_plain"] == "5/5 steps"


@pytest.mark.ros
def test_cpu_benchmark_prints_every_stage(tmp_path, capsys):
    output = tmp_path / "cpu.json"
    assert main(["bench", "policy", "--quick", "--json", str(output)]) == 0
    table = capsys.readouterr().out
    for stage in ("image conversion", "preprocessing", "model", "decoding", "publish", "camera stamp -> action"):
        assert stage in table
    assert "baseline: image in, action out" in table and "beyond the baseline" in table
    results = json.loads(output.read_text())["policy"]
    assert results["frames"] == 20 and results["ros_overhead_p99_ms"] > 0
    assert results["baseline_round_trip_p50_ms"] > 0 and results["baseline_frames_lost"] < 20


@pytest.mark.ros
def test_tiny_benchmark_times_the_shipped_model_in_the_node(tmp_path, capsys):
    output = tmp_path / "tiny.json"
    assert main(["bench", "policy", "--backend", "tiny", "--quick", "--json", str(output)]) == 0
    assert "camera stamp -> action" in capsys.readouterr().out
    results = json.loads(output.read_text())["policy"]
    assert results["backend"] == "tiny" and results["frames"] == 20
