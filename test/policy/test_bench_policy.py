"""`rt2-ros bench policy` runs end to end and prints its table (numbers are not checked: no timed asserts)."""

import json

import pytest

from rt2_ros.cli import main


def test_gpu_benchmark_runs_with_tiny_shapes_on_this_machine(tmp_path, capsys):
    output = tmp_path / "gpu.json"
    assert main(["bench", "policy", "--gpu", "--tiny", "--quick", "--json", str(output)]) == 0
    table = capsys.readouterr().out
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
    results = json.loads(output.read_text())["policy"]
    assert results["frames"] == 20 and results["ros_overhead_p99_ms"] > 0
