"""rt2-ros soak: the report's arithmetic, table and plot (plain pytest), and a short soak over DDS."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rt2_ros.local_dds import loopback_environment
from rt2_ros.loop.outcome import EpisodeOutcome
from rt2_ros.soak.report import Counters, Sample, SoakReport, plot, rss_bytes

MB = 2**20


@pytest.fixture
def report() -> SoakReport:
    report = SoakReport(minutes=1.0, warmup=20.0, command="rt2-ros soak --minutes 1")
    for seconds, sim_rss, forwarded in ((0.0, 100, 0), (20.0, 200, 90), (40.0, 202, 190), (60.0, 204, 290)):
        counters = Counters(forwarded=forwarded, clamped=forwarded // 10, rejected=3, holds=1)
        report.samples.append(Sample(seconds, {"sim_node": sim_rss * MB, "safety_node": 75 * MB}, counters))
    report.outcomes = [EpisodeOutcome("pick_up", "pick up the red block", True, 4.0, 20)] * 3
    report.outcomes.append(EpisodeOutcome("push", "push the blue block left", False, 40.0, 200))
    return report


def test_rss_growth_is_counted_from_the_end_of_the_warmup(report):
    growth = report.rss_growth()
    assert growth["sim_node"] == pytest.approx(0.02)  # 200 -> 204 MB; the warm-up's 100 -> 200 is not counted
    assert growth["safety_node"] == 0.0


def test_summary_has_the_counts_and_the_episodes(report):
    summary = report.summary()
    assert (summary["actions_processed"], summary["actions_clamped"], summary["actions_rejected"]) == (293, 29, 3)
    assert (summary["watchdog_holds"], summary["episodes"], summary["episodes_solved"]) == (1, 4, 3)
    assert summary["rss_mb_last"] == {"sim_node": 204.0, "safety_node": 75.0} and summary["minutes_run"] == 1.0
    assert "sim_node" in report.table() and "2.0%" in report.table()


def test_plot_writes_a_png(report, tmp_path):
    path = tmp_path / "soak.png"
    assert plot(report, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rss_of_a_process_and_of_one_that_has_gone():
    assert rss_bytes(os.getpid()) > 10 * MB
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert rss_bytes(int(finished.stdout)) is None


@pytest.mark.ros
@pytest.mark.slow
def test_a_short_soak_runs_the_loop_and_reports(tmp_path):
    """The CI-sized soak: half a minute of scripted episodes on small images."""
    arguments = ["soak", "--minutes", "0.5", "--image-size", "64", "--sample-period", "5", "--timeout", "20"]
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("rt2-ros")), *arguments, "--output", str(tmp_path)],
        env=loopback_environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads((tmp_path / "soak.json").read_text())
    summary = report["summary"]
    assert summary["stopped_by"] == "" and summary["minutes_run"] >= 0.5
    assert summary["episodes"] == len(report["episodes"]) >= 1 and summary["episodes_solved"] >= 1
    assert summary["actions_processed"] >= summary["actions_forwarded"] > 0
    assert set(summary["rss_mb_last"]) == {"sim_node", "safety_node", "arm_controller_node", "policy_node"}
    assert all(sample["rss"]["policy_node"] for sample in report["samples"])  # never gone: nothing restarted
    assert (tmp_path / "soak.png").exists() and "episodes" in completed.stdout
