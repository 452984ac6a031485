"""`rt2-ros eval`: closed-loop episodes per category, in process and through the node graph, with a table,
a JSON record of every episode and a plot."""

import json
import subprocess
import sys

import pytest

from rt2_ros.evaluation.categories import load_categories
from rt2_ros.evaluation.in_process import evaluate_in_process, kinds_for
from rt2_ros.evaluation.results import EpisodeResult, table, write
from rt2_ros.policy.tiny.modeling_tiny import TinyPolicy


def test_the_categories_are_the_five_of_the_issue():
    categories = load_categories()
    assert list(categories) == [
        "seen",
        "unseen_combinations",
        "unseen_objects",
        "unseen_backgrounds",
        "unseen_phrasings",
    ]
    assert categories["unseen_phrasings"].phrasings == "held_out" and categories["seen"].variation == "training"
    assert set(kinds_for(categories["unseen_combinations"], 4)) == {"move_near", "put_in_bowl"}


def test_in_process_episodes_per_category(smoke_run, tmp_path):
    policy = TinyPolicy(smoke_run["model"])
    categories = list(load_categories().values())
    results = evaluate_in_process(policy, categories, episodes=1, timeout=1.0)
    assert [result.category for result in results] == [category.name for category in categories]
    assert all(result.actions > 0 and result.instruction for result in results)
    json_path, plot_path = write(results, tmp_path, "test", {"episodes": 1})
    assert len(json.loads(json_path.read_text())["episodes"]) == 5 and plot_path.stat().st_size > 1000


def test_the_table_counts_episodes_per_category_and_kind():
    results = [
        EpisodeResult("seen", "pick_up", "lift it", True, 3.0, 12),
        EpisodeResult("seen", "push", "p", False, 9, 40),
    ]
    rows = table(results).splitlines()
    assert rows[2].split()[:3] == ["seen", "1/2", "50%"]


@pytest.mark.ros
def test_eval_through_the_node_graph(smoke_run, tmp_path):
    command = [sys.executable, "-m", "rt2_ros", "eval", "--episodes", "1", "--categories", "unseen_phrasings",
               "--timeout", "4", "--model-path", str(smoke_run["model"]), "--output", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (episode,) = json.loads((tmp_path / "eval.json").read_text())["episodes"]
    assert episode["category"] == "unseen_phrasings" and episode["actions"] > 0
    assert "unseen_phrasings" in result.stdout and (tmp_path / "eval.png").is_file()
