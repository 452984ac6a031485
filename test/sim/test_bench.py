"""`rt2-ros bench sim --quick` runs and reports its numbers (their size is not asserted: speed is the benchmark's)."""

import argparse
import json

from rt2_ros.bench import sim


def test_quick_sim_benchmark_writes_its_table_and_json(tmp_path, capsys):
    path = tmp_path / "sim.json"
    assert sim.run(argparse.Namespace(quick=True, json=str(path))) == 0
    results = json.loads(path.read_text())["sim"]
    for key in ("physics_steps_per_s", "camera_frames_per_s", "closed_loop_real_time_factor"):
        assert results[key] > 0
    assert results["closed_loop_episodes"] == 2
    assert "real-time factor" in capsys.readouterr().out
