"""`rt2-ros eval`: closed-loop episodes per category, in process and through the node graph, with a table,
a JSON record of every episode and a plot."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from rt2_ros.evaluation.categories import load_categories
from rt2_ros.evaluation.in_process import evaluate_in_process, kinds_for
from rt2_ros.evaluation.results import EpisodeResult, table, template_failures, write
from rt2_ros.policy.tiny.policy_tiny import TinyPolicy


def test_the_categories_are_the_five_of_the_issue_and_instruction_following():
    categories = load_categories()
    names = ["seen", "unseen_combinations", "unseen_objects", "unseen_backgrounds", "unseen_phrasings"]
    emergent = ["matching", "different", "relations", "symbols", "languages", "impossible"]
    assert list(categories) == [*names, "instruction_following", *emergent]
    assert kinds_for(categories["relations"], 2) == ["pick_up"] * 2
    assert categories["unseen_phrasings"].phrasings == "held_out" and categories["seen"].variation == "training"
    assert set(kinds_for(categories["unseen_combinations"], 4)) == {"move_near", "put_in_bowl"}
    assert categories["instruction_following"].retarget
    assert kinds_for(categories["instruction_following"], 3) == ["pick_up"] * 3


def test_in_process_episodes_per_category(smoke_run, tmp_path):
    policy = TinyPolicy(smoke_run["model"])
    categories = list(load_categories().values())
    results = evaluate_in_process(policy, categories, episodes=1, timeout=1.0)
    assert [result.category for result in results] == [category.name for category in categories]
    assert all(result.actions > 0 and result.instruction for result in results)
    json_path, plot_path = write(results, tmp_path, "test", {"episodes": 1})
    assert len(json.loads(json_path.read_text())["episodes"]) == len(categories) and plot_path.stat().st_size > 1000
    said = {result.category: result.instruction for result in results}
    assert said["instruction_following"] and ("same colour" in said["matching"] or "match" in said["matching"])


def test_the_table_counts_episodes_per_category_and_kind():
    results = [
        EpisodeResult("seen", "pick_up", "lift it", True, 3.0, 12),
        EpisodeResult("seen", "push", "p", False, 9, 40),
        EpisodeResult("instruction_following", "pick_up", "lift the red block", False, 9, 40, wrong_object=True),
    ]
    rows = table(results).splitlines()
    assert rows[2].split()[:3] == ["seen", "1/2", "50%"]
    assert rows[-1] == "instruction_following: the sim's own task object was lifted instead of the named one in 1/1"


def test_the_failure_list_counts_each_template_that_failed_worst_first():
    hold, lift = "hold the {object} in the air", "{opener}hoist the {object}{closer}"
    results = [
        EpisodeResult("unseen_phrasings", "pick_up", "hold the red block in the air", False, 9, 40, template=hold),
        EpisodeResult("unseen_phrasings", "pick_up", "hold the red cube in the air", False, 9, 40, template=hold),
        EpisodeResult("unseen_phrasings", "pick_up", "hoist the red box", True, 3, 12, template=lift),
        EpisodeResult("unseen_phrasings", "pick_up", "kindly hoist the red box", False, 9, 40, template=lift),
        EpisodeResult("unseen_phrasings", "pick_up", "elevate the red box", True, 3, 12, template="elevate"),
        EpisodeResult("matching", "put_in_bowl", "put the red block in the matching bowl", False, 9, 40),
    ]
    assert template_failures(results).splitlines() == [
        "unseen_phrasings: templates that failed (2 of 3 said)",
        f"    0/2   {hold}",
        f"    1/2   {lift}",
    ]
    assert template_failures(results[-2:]) == ""  # nothing failed that came from a template


def test_an_episode_records_the_template_its_command_was_drawn_from():
    from rt2_ros.data.phrasing import load_phrasings
    from rt2_ros.evaluation.commands import EpisodeCommand
    from rt2_ros.sim.privileged import TaskState

    class Scene:  # the two fields say() reads of a PrivilegedState when the category is not a concept
        task, episode = TaskState("pick_up", "", "red block"), 0

    split = load_phrasings()["held_out"]
    command = EpisodeCommand(load_categories()["unseen_phrasings"], np.random.default_rng(3), split)
    said = {command.say(Scene()): command.template for _ in range(40)}
    assert set(said.values()) == set(split.templates["pick_up"])  # each drawn, and each recorded as drawn
    for text, template in said.items():
        literal = [part for part in re.split(r"\{\w+\}", template) if part.strip()]
        assert all(part.strip() in text for part in literal), (text, template)
    assert command.result("pick_up", Scene(), False, 1.0, 3).template == command.template


def test_a_retargeted_command_names_another_block_and_waits_for_it(recorded):
    from rt2_ros.data.bag_reader import bag_folders, read_episodes
    from rt2_ros.data.phrasing import PhrasingSplit
    from rt2_ros.evaluation.commands import EpisodeCommand

    episodes = [episode for bag in bag_folders(recorded) for episode in read_episodes(bag)]
    solved = [episode for episode in episodes if episode.record["kind"] == "pick_up" and episode.record["success"]]
    if not solved:
        pytest.skip("the expert solved no pick_up episode of this recording (physics differs by machine)")
    episode = solved[0]
    first, last = episode.steps[0].privileged, episode.steps[-1].privileged
    phrasings = PhrasingSplit({"pick_up": ["get the {object}"]})
    command = EpisodeCommand(load_categories()["instruction_following"], np.random.default_rng(0), phrasings)
    assert command.say(first) == f"get the {command.named}" and command.named != first.task.object
    assert not command.done(last) and command.took_the_suggested_object(last)  # the expert lifted its own block


@pytest.mark.ros
def test_eval_through_the_node_graph(smoke_run, tmp_path):
    # --min-confidence 0: the smoke model is too unsure to act at the default.
    command = [sys.executable, "-m", "rt2_ros", "eval", "--episodes", "1", "--categories", "unseen_phrasings",
               "--timeout", "10", "--model-path", str(smoke_run["model"]), "--output", str(tmp_path),
               "--min-confidence", "0"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (episode,) = json.loads((tmp_path / "eval.json").read_text())["episodes"]
    assert episode["category"] == "unseen_phrasings" and episode["actions"] > 0
    assert "unseen_phrasings" in result.stdout and (tmp_path / "eval.png").is_file()


@pytest.mark.parametrize(
    "arguments", [["--frame-lag", "0.1"], ["--in-process", "--frame-lag", "0.2"], ["--in-process", "--frame-lag", "-1"]]
)
def test_a_frame_lag_is_for_in_process_episodes_and_shorter_than_a_step(arguments, capsys):
    from rt2_ros.cli import main

    assert main(["eval", *arguments]) == 2
    assert "--frame-lag is for --in-process, 0 <= S < 1 / --control-rate" in capsys.readouterr().err
