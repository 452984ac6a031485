"""The emergent categories: no robot episode says their commands or shows their concepts; questions teach each
concept (and only the families asked for); their commands are judged by what the sentence means."""

import re
from dataclasses import replace

import numpy as np
import pytest

from rt2_ros.data import languages
from rt2_ros.data.cache import COLOR_NAMES, load_cache
from rt2_ros.data.phrasing import load_phrasings
from rt2_ros.data.scenes import build_scene_cache
from rt2_ros.data.vqa import CONCEPTS, NEAR, all_question_texts, ask
from rt2_ros.evaluation.categories import load_categories
from rt2_ros.evaluation.concepts import MOVED, different, impossible, matching, relations, symbols
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import answer_tokens, table_bins
from rt2_ros.sim.privileged import ObjectState, PrivilegedState, TaskState
from rt2_ros.sim.scene import SHAPES, SceneConfig, marker_look
from rt2_ros.sim.tasks import NEAR_DISTANCE
from rt2_ros.sim.variation import load_variations

CONFIG = TinyVLAConfig()
PHRASINGS = load_phrasings()["training"]
# Words of the emergent commands that no training wording may use (letters and digits are single characters
# and appear as articles; the markers never appear in robot scenes at all).
CONCEPT_WORDS = {"same", "different", "match", "matches", "matching", "colour", "closest", "nearest", "leftmost",
                 "rightmost", "furthest", "between", "letter", "number", "sum", "plus", "symbol", "marker",
                 *SHAPES}  # fmt: skip


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-zà-ÿ']+", text.lower()))


def test_no_robot_episode_says_an_emergent_command():
    training = load_phrasings()["training"]
    texts = [text for templates in training.templates.values() for text in templates]
    texts += [text for fillers in training.fillers.values() for text in fillers]
    # The verbs the other languages say the skills with (their templates' first words).
    foreign = {
        template.split()[0]
        for language in languages.COMMANDS.values()
        for templates in language.values()
        for template in templates
    } - {"place"}  # fmt: skip  (French "place" is English too)
    for text in (re.sub(r"\{[^}]*\}", " ", text) for text in texts):
        assert not words(text) & CONCEPT_WORDS, text
        assert not words(text) & foreign, (text, words(text) & foreign)


def test_no_robot_scene_shows_a_marker_or_puts_a_block_in_its_own_colour():
    training = load_variations()["training"]
    assert training.markers == (0, 0)
    for color in ("red", "green", "blue", "yellow"):
        assert not training.pair_allowed(color, color)
    categories = load_categories()
    assert [name for name, category in categories.items() if category.concept] == [
        "matching", "different", "relations", "symbols", "languages", "impossible",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("concept_scenes")
    return build_scene_cache(folder, CONFIG, 40, variation="concept_scenes", seed=3)


def rows(cache):
    return [{name: array[step] for name, array in cache.arrays.items()} for step in range(len(cache))]


def test_concept_scenes_have_markers_in_the_cache(scenes):
    assert load_cache(scenes.folder).meta["steps"] == 40
    assert (scenes.arrays["object_symbol"] >= 0).sum(1).max() >= 2
    # the cache says how its markers looked: markers drawn another way (bolder, bigger) rebuild it
    assert load_cache(scenes.folder).meta["scenes"]["markers"] == marker_look(SceneConfig())
    assert marker_look(SceneConfig(marker_half_size=0.03)) != marker_look(SceneConfig())


def test_every_family_is_asked_and_only_those_asked_for(scenes):
    rng = np.random.default_rng(0)
    texts = set(all_question_texts())
    seen = {concept: 0 for concept in CONCEPTS}
    for _ in range(40):
        for row in rows(scenes):
            question = ask(rng, row, CONFIG, robot=False)
            assert question.text in texts, question.text  # embedded ahead of training
            assert answer_tokens(list(question.answer), CONFIG)[-1] == CONFIG.special_id("<eos>")
            text = question.text
            seen["matching"] += "same colour" in text or "matches" in text
            seen["relations"] += any(word in text for word in ("nearest", "closest", "leftmost", "rightmost",
                                                               "furthest", "between"))  # fmt: skip
            seen["symbols"] += "symbol" in text or "plus" in text or "sum of" in text
            seen["languages"] += not text.isascii() or text.startswith(("wo ", "gibt", "welche", "où", "y a"))
    assert all(count > 20 for count in seen.values()), seen
    for row in rows(scenes)[:10]:
        for _ in range(50):
            text = ask(rng, row, CONFIG, robot=False, concepts=()).text
            assert not words(text) & {"same", "matches", "nearest", "closest", "leftmost", "plus", "symbol"}, text
            assert text.isascii()


def test_a_concept_named_twice_is_asked_twice_as_often(scenes):
    """data.concepts may name a family more than once to ask it more (a family the model learns slowly)."""

    def symbol_share(concepts: tuple[str, ...]) -> float:
        rng = np.random.default_rng(3)
        about_symbols = []
        for _ in range(40):
            for row in rows(scenes):
                question = ask(rng, row, CONFIG, robot=False, concepts=concepts)
                marker = any(slot >= 0 and row["object_kind"][slot] == 4 for slot in question.pointers)
                about_symbols.append(marker or any(word in question.text for word in ("symbol", "plus", "sum of")))
        return float(np.mean(about_symbols))

    once, four_times = symbol_share(CONCEPTS), symbol_share((*CONCEPTS, "symbols", "symbols", "symbols"))
    assert four_times > 1.5 * once > 0, (once, four_times)


def test_a_matching_question_points_at_the_block_and_its_bowl(scenes):
    rng = np.random.default_rng(1)
    for row in rows(scenes):
        for _ in range(30):
            question = ask(rng, row, CONFIG, robot=False, concepts=("matching",))
            if question.text.startswith("which bowl") and (
                "same colour" in question.text or "matches" in question.text
            ):
                block, bowl = question.pointers
                assert row["object_color"][block] == row["object_color"][bowl]
                assert row["object_kind"][bowl] == 1  # a bowl


def test_can_put_questions_are_asked_only_when_named_and_point_at_the_block_and_the_bowl(scenes):
    """ "can you put the green block in the green bowl?": a command's words as a question, for any block and bowl
    (a bowl of the block's own colour too, which no robot episode shows, but no more often than any other: more
    taught a fine-tune to send a block to its own colour's bowl whatever was said); yes with both pointers when the
    bowl is in view, no with no target when it is not. Never a concept word; never asked unless data.questions
    names it."""
    rng = np.random.default_rng(4)
    texts = set(all_question_texts())
    answers, same_colour, same_in_view = {"yes": 0, "no": 0}, 0, 0.0
    for row in rows(scenes):
        for _ in range(30):
            assert not ask(rng, row, CONFIG, robot=False).text.startswith(("can you", "could you"))
            question = ask(rng, row, CONFIG, robot=False, concepts=(), optional=("can_put",))
            if not question.text.startswith(("can you", "could you")):
                continue
            assert question.text in texts and not words(question.text) & CONCEPT_WORDS, question.text
            block, bowl = question.pointers
            named_block = f"the {COLOR_NAMES[row['object_color'][block]]} block in"
            assert row["object_kind"][block] == 0 and named_block in question.text, question
            if bowl < 0:
                named = question.text.split(" the ")[-1].split()[0]
                bowls = [COLOR_NAMES[row["object_color"][slot]] for slot in np.flatnonzero(row["object_kind"] == 1)]
                assert question.answer == ("no",) and named not in bowls, question
            else:
                assert row["object_kind"][bowl] == 1 and question.answer == ("yes",), question
                assert question.text.endswith(f"{COLOR_NAMES[row['object_color'][bowl]]} bowl?"), question
                same_colour += row["object_color"][block] == row["object_color"][bowl]
                bowls = np.flatnonzero(row["object_kind"] == 1)
                same_in_view += np.mean(row["object_color"][bowls] == row["object_color"][block])
            answers[question.answer[0]] += 1
    assert min(answers.values()) > 20 and same_colour > 5, (answers, same_colour)
    assert abs(same_colour - same_in_view) < 3 * np.sqrt(same_in_view), (same_colour, same_in_view)  # chance


def test_different_questions_name_the_other_bowl_and_are_asked_only_when_named(scenes):
    """ "which bowl has a different colour from the red block?": asked where the block's own colour's bowl is in
    view beside one other, answered with that other bowl's colour, pointers on the block and it."""
    rng = np.random.default_rng(5)
    texts, asked = set(all_question_texts()), 0
    for row in rows(scenes):
        for _ in range(30):
            assert "different colour" not in ask(rng, row, CONFIG, robot=False).text
            question = ask(rng, row, CONFIG, robot=False, concepts=(), optional=("different",))
            if "different colour" not in question.text and "does not match" not in question.text:
                continue
            assert question.text in texts, question.text
            block, bowl = question.pointers
            bowls = np.flatnonzero(row["object_kind"] == 1)
            colour = row["object_color"][block]
            assert row["object_kind"][block] == 0 and f"the {COLOR_NAMES[colour]} block?" in question.text
            assert row["object_kind"][bowl] == 1 and row["object_color"][bowl] != colour, question
            assert sorted(row["object_color"][bowls] == colour) == [False, True], question  # its own beside one other
            assert question.answer == (COLOR_NAMES[row["object_color"][bowl]],), question
            asked += 1
    assert asked > 50, asked


def test_a_relation_said_as_a_referring_expression_is_answered_with_where_that_block_is(scenes):
    """ "where is the block closest to the white bowl?" names the block as a command would; its answer is the
    block's table bins and the object pointer is on it."""
    rng = np.random.default_rng(4)
    asked = set()
    for row in rows(scenes):
        for _ in range(30):
            question = ask(rng, row, CONFIG, robot=False, concepts=("relations",))
            # "where is the red block?" is the fallback of a scene without a clear relation, not a relation
            if not question.text.startswith("where is the ") or question.text.split()[3] in COLOR_NAMES:
                continue
            block = question.pointers[0]
            assert row["object_kind"][block] == 0, question
            bins = table_bins(row["object_position"][block][:2], CONFIG)
            assert question.answer == tuple(int(value) for value in bins), question
            asked.add(question.text.split()[3])
    assert asked == {"block", "leftmost", "rightmost"}, asked  # "block nearest/between/furthest ...", the extremes


def test_near_questions_point_in_a_commands_order(scenes):
    """Questions such as "is the red block near the H?" and "¿está el bloque rojo cerca del cuenco azul?" name two
    things as a command does (object, then target) and point the object and the target pointer at them; the answer
    is the distance."""
    rng = np.random.default_rng(2)
    asked = {"symbols": 0, "languages": 0}
    for row in rows(scenes):
        for concept in asked:
            for _ in range(30):
                question = ask(rng, row, CONFIG, robot=False, concepts=(concept,))
                near = question.text.startswith(("is the", "¿está", "est-ce que", "ist ")) and (
                    concept == "languages" or not question.text.endswith(("block?", "bowl?"))  # not the plain is_near
                )
                if not near or question.pointers[1] < 0:
                    continue
                first, second = question.pointers
                distance = np.linalg.norm(row["object_position"][first][:2] - row["object_position"][second][:2])
                assert question.answer == ("yes" if distance < NEAR else "no",), question
                if concept == "symbols":
                    assert row["object_kind"][first] == 0 and row["object_symbol"][second] >= 0, question
                asked[concept] += 1
    assert min(asked.values()) > 20, asked
    assert languages.question("de", "near", object="red block", target="blue bowl") == (
        "ist der rote Würfel neben der blauen Schüssel?"
    )
    assert languages.question("fr", "near", object="green bowl", target="yellow block") == (
        "est-ce que le bol vert est près du cube jaune ?"
    )


def state(objects: dict[str, tuple[str, str, list[float]]], task: TaskState, gripper: float = 0.0) -> PrivilegedState:
    sizes = {"block": [0.02] * 3, "bowl": [0.075, 0.075, 0.02], "marker": [0.035, 0.035, 0.0005]}
    made = {}
    for name, (kind, color, position, *symbol) in objects.items():
        made[name] = ObjectState(kind, color, position, [0, 0, 0, 1], sizes[kind], symbol[0] if symbol else "")
    return PrivilegedState(0.0, 1, 0, task, [0.45, 0.0, 0.3], [1, 0, 0, 0], gripper, made, False)


SCENE = {
    "red block": ("block", "red", [0.40, 0.10, 0.02]),
    "blue block": ("block", "blue", [0.50, -0.15, 0.02]),
    "green block": ("block", "green", [0.45, 0.00, 0.02]),
    "red bowl": ("bowl", "red", [0.35, -0.20, 0.0]),
    "white bowl": ("bowl", "white", [0.55, 0.20, 0.0]),
    "H marker": ("marker", "white", [0.60, -0.05, 0.0], "H"),
}


def test_the_matching_command_is_done_when_the_block_rests_in_its_own_colours_bowl():
    start = state(SCENE, TaskState("put_in_bowl", "", "red block", target="white bowl"))
    said = matching(np.random.default_rng(0), start, PHRASINGS)
    command, named, judge = said.command, said.named, said.done
    assert named == "red block" and "red block" in command and "white" not in command
    assert said.target == "red bowl"  # the goal the concept names, for a trace's target pointer
    in_white = state({**SCENE, "red block": ("block", "red", [0.55, 0.20, 0.025])}, start.task)
    in_red = state({**SCENE, "red block": ("block", "red", [0.35, -0.20, 0.025])}, start.task)
    assert not judge(start) and not judge(in_white) and judge(in_red)


def test_the_different_command_is_done_in_the_other_bowl_and_needs_a_matching_scene():
    start = state(SCENE, TaskState("put_in_bowl", "", "red block", target="red bowl"))
    said = different(np.random.default_rng(0), start, PHRASINGS)
    assert said.named == "red block" and said.target == "white bowl" and "white" not in said.command
    in_white = state({**SCENE, "red block": ("block", "red", [0.55, 0.20, 0.025])}, start.task)
    in_red = state({**SCENE, "red block": ("block", "red", [0.35, -0.20, 0.025])}, start.task)
    assert not said.done(start) and said.done(in_white) and not said.done(in_red)
    assert matching(np.random.default_rng(0), start, PHRASINGS).done(in_red)
    blue = state(SCENE, TaskState("put_in_bowl", "", "blue block", target="red bowl"))  # two bowls not blue
    with pytest.raises(ValueError, match="one bowl of its colour"):
        different(np.random.default_rng(0), blue, PHRASINGS)


def test_a_relation_names_the_block_that_answers_it():
    start = state(SCENE, TaskState("pick_up", "", "blue block"))
    for seed in range(20):
        said = relations(np.random.default_rng(seed), start, PHRASINGS)
        command, named, judge = said.command, said.named, said.done
        expected = {"leftmost": "red block", "to the left": "red block", "rightmost": "blue block",
                    "to the right": "blue block", "red bowl": "blue block", "white bowl": "red block",
                    "between": "green block"}  # fmt: skip
        key = next(key for key in expected if key in command)
        assert named == expected[key], (command, named)
        assert said.target == ""  # a relation names which block, not where it goes
        up = state({**SCENE, named: (SCENE[named][0], SCENE[named][1], [*SCENE[named][2][:2], 0.1])}, start.task)
        assert judge(up) and not judge(start)


def test_a_symbol_command_names_a_marker_not_near_already_and_is_done_with_the_block_let_go_near_it():
    # The star lies 5 cm from the red block: near already, so every command names the H (25 cm away).
    scene = {**SCENE, "star marker": ("marker", "white", [0.44, 0.13, 0.0], "star")}
    start = state(scene, TaskState("move_near", "", "red block", target="green block"))
    for seed in range(10):
        said = symbols(np.random.default_rng(seed), start, PHRASINGS)
        assert said.named == "red block" and said.target == "H marker", said
        assert said.command.endswith(("H", "letter H")) and "red block" in said.command
        assert not said.done(start)
    judge = said.done
    there = [0.60 - NEAR_DISTANCE * 0.8, -0.05, 0.02]  # 8 cm from the H
    assert judge(state({**scene, "red block": ("block", "red", there)}, start.task))
    assert not judge(state({**scene, "red block": ("block", "red", [0.60, 0.10, 0.02])}, start.task))  # 15 cm
    star_nearer = {
        **scene,
        "red block": ("block", "red", there),
        "star marker": ("marker", "white", [0.50, -0.05, 0.0], "star"),
    }
    assert not judge(state(star_nearer, start.task))  # near the H, and nearer the star: not at the H
    held = state({**scene, "red block": ("block", "red", there)}, replace(start.task), gripper=1.0)
    held.ee_position = there
    assert not judge(held)  # still in the fingers


def test_an_impossible_command_names_nothing_here_and_is_done_when_nothing_moved():
    start = state(SCENE, TaskState("pick_up", "", "blue block"))
    present = {"red", "blue", "green"}
    for seed in range(30):
        said = impossible(np.random.default_rng(seed), start, PHRASINGS)
        assert said.at_end and said.named == ""
        named_blocks = set(re.findall(r"(\w+) (?:block|cube|box)", said.command))
        assert not named_blocks & present, said.command  # the block it names is not on the table
        assert said.done(start)
        nudged = state({**SCENE, "red block": ("block", "red", [0.40, 0.10 + MOVED * 0.5, 0.02])}, start.task)
        pushed = state({**SCENE, "red block": ("block", "red", [0.40, 0.10 + MOVED * 2, 0.02])}, start.task)
        up = state({**SCENE, "green block": ("block", "green", [0.45, 0.0, 0.1])}, start.task)
        assert said.done(nudged) and not said.done(pushed) and not said.done(up)
