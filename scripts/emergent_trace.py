"""Why a tiny VLA fails a category: per episode, what its pointers looked at and what the arm was told to do.

Runs a category's episodes in process (the seeds, scenes and commands of `rt2-ros eval --in-process`) and prints,
for each: the command; the object the command is about; which object the object and the target pointer pointed at
(the object whose image position is nearest the pointer's peak cell: at the first step, and the two most frequent
over the episode); the share of steps held because the model was unsure (below min_confidence, as policy_node
holds) and the share in which its presence check doubted the named object is there (confidence 0); the mean
gripper command (1: closed, a push's or a carry's); whether and when the model terminated; what was lifted. It
separates a grounding failure (the pointer on the wrong object) from an acting one (the right object, the wrong
motion). docs/tiny-vla.md quotes its output.

`--also TEMPLATE` (repeatable) points with other wordings at each episode's first frame ({object}: the object the
command is about, {colour}: its colour, {target}: the goal the concept names, {symbol}: a marker goal as the
questions name it), such as the concept's question or the plain command naming the target. The target pointer
should find the goal a concept command names (matching's bowl, symbols' marker); `--target TEMPLATE` names it for
other categories. The summary counts, per colour of the named object and over every colour, the episodes solved
and where each wording's target pointer started (on the target, on the named object itself, elsewhere), and how
the episodes ended with it on the target: whether the concept is learned in the questions but not carried into the
command, missing in both, or carried into the pointer and lost in the motion.

    .venv/bin/python scripts/emergent_trace.py relations --episodes 8 [--model-path runs/tiny_vla_finetune/model]
    .venv/bin/python scripts/emergent_trace.py matching --episodes 40 \
        --also "which bowl matches the {object}?" --also "put the {object} in the {target}"
    .venv/bin/python scripts/emergent_trace.py symbols --episodes 30 --also "where is the {symbol}?" \
        --also "move the {object} near the {symbol}"
"""

import argparse
import collections
from pathlib import Path

import numpy as np

from rt2_ros.data.phrasing import load_phrasings
from rt2_ros.data.vqa import symbol_names
from rt2_ros.evaluation.categories import load_categories
from rt2_ros.evaluation.commands import EpisodeCommand
from rt2_ros.evaluation.in_process import PolicyActor, kinds_for, sim_proprio
from rt2_ros.policy.tiny.policy_tiny import TinyPolicy
from rt2_ros.policy.tiny.processing_tiny import image_points_to_model, pointer_peak
from rt2_ros.sim.episode import DeltaFollower, run_episode
from rt2_ros.sim.tasks import TaskSpec, lifted
from rt2_ros.sim.variation import load_variations
from rt2_ros.sim.world import SimWorld

IMAGE_SIZE = 224
CONTROL_RATE = 5.0
TIMEOUT = 30.0  # s an episode may take (the docs' traces: 150 steps)


class TracingActor(PolicyActor):
    """PolicyActor that keeps, per step, what each pointer looked at, the confidence and the action."""

    def __init__(
        self,
        policy: TinyPolicy,
        command: EpisodeCommand,
        min_confidence: float,
        world: SimWorld,
        also: list[str],
        target: str = "",
    ) -> None:
        super().__init__(policy, command, min_confidence)
        self.camera, self.steps, self.also, self.target = world.camera(), [], also, target
        self.doubted: list[bool] = []  # per step: the presence check doubted the named object (confidence 0)
        self.first: list[tuple[str, str, list[str]]] = []  # at the first frame: (template, text, objects looked at)

    def __call__(self, image, state):
        action = super().__call__(image, state)
        step = self.last_step
        self.steps.append((self.looked(step.pointers, state), step.confidence, step.action))
        self.doubted.append(bool(step.doubt))
        if state.step == 0:
            self.first = [("command", self.command.instruction, self.steps[-1][0])]
            for template in self.also if self.command.named else []:
                text = wording(template, self.command.named, goal(self.command, state, self.target), state)
                pointers = self.policy.run(self.policy.inputs(image, text, sim_proprio(state)))[2]
                self.first.append((template, text, self.looked(pointers, state)))
        return action

    def looked(self, pointers: np.ndarray, state) -> list[str]:
        """Per pointer role, (G, G) each: the object whose image position is nearest the pointer's peak cell."""
        where = {name: self._model_uv(item.position) for name, item in state.objects.items()}  # projected once
        names = []
        for pointer in pointers:
            uv = pointer_peak(pointer)
            names.append(min(where, key=lambda name: float(np.linalg.norm(where[name] - uv))))
        return names

    def _model_uv(self, position) -> np.ndarray:
        pixel = self.camera.project(np.asarray(position, dtype=float)[None])[0]
        return image_points_to_model(pixel, IMAGE_SIZE, IMAGE_SIZE, self.policy.config)


def wording(template: str, named: str, target: str, state) -> str:
    """A --also or --target template for this episode: {object} the named object, {colour} its colour, {target} the
    goal, {symbol} a marker goal's symbol as the questions name it ('letter H', 'number 3', 'star')."""
    goal_object = state.objects.get(target)  # a --target template may name what this scene lacks
    symbol = goal_object.symbol if goal_object is not None and goal_object.kind == "marker" else ""
    return template.format(object=named, colour=state.objects[named].color, target=target,
                           symbol=symbol_names(symbol)[-1] if symbol else "")  # fmt: skip


def goal(command: EpisodeCommand, state, template: str) -> str:
    """The object the target pointer should find: the concept command's goal, else `template` ('' for none)."""
    if command.said is not None and command.said.target:
        return command.said.target
    return wording(template, command.named, "", state) if template and command.named else ""


ENDINGS = ("solved", "terminated early", "timed out")


def ending(terminated: int | None) -> str:
    """How a failed episode ended: the model ended it (terminate) or time ran out."""
    return ENDINGS[1] if terminated is not None else ENDINGS[2]


def where_target(looked: list[str], named: str, target: str) -> str:
    """Where a wording's target pointer started: on the target (when one is given), the named object, elsewhere."""
    if target and looked[1] == target:
        return "target"
    return "named object" if looked[1] == named else "elsewhere"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("category")
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--model-path", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--min-confidence", type=float, default=0.7)
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="TEMPLATE",
        help="another wording to point with at each first frame ({object}, {colour}, {target}, {symbol})",
    )
    parser.add_argument(
        "--target",
        default="",
        metavar="TEMPLATE",
        help="the object the target pointer should find ({object}, {colour}) where the command names none",
    )
    args = parser.parse_args()
    category = load_categories()[args.category]
    policy = TinyPolicy(args.model_path)
    world = SimWorld(
        seed=args.seed, image_size=(IMAGE_SIZE, IMAGE_SIZE), variation=load_variations()[category.variation]
    )
    follower = DeltaFollower(world, 1.0 / CONTROL_RATE)
    command = EpisodeCommand(category, np.random.default_rng(args.seed), load_phrasings()[category.phrasings])
    actor = TracingActor(policy, command, args.min_confidence, world, args.also, args.target)
    solved = 0
    by_colour: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for kind in kinds_for(category, args.episodes):
        actor.steps, actor.doubted = [], []
        steps = round(TIMEOUT * CONTROL_RATE)
        episode = run_episode(world, actor, follower, TaskSpec(kind), max_steps=steps, render=True, done=command.done)
        solved += episode.success
        roles = list(zip(*[looked for looked, _, _ in actor.steps], strict=True))
        confidence = np.array([step_confidence for _, step_confidence, _ in actor.steps])
        actions = [action for _, _, action in actor.steps]
        final = world.privileged_state()
        verdict = "solved" if episode.success else "failed"
        print(
            f"{command.instruction!r} (about the {command.named or 'nothing'}): {verdict} after {episode.steps} steps"
        )
        for role, looked in zip(policy.pointer_roles, roles, strict=False):
            common = ", ".join(f"{name} {count}" for name, count in collections.Counter(looked).most_common(2))
            print(f"    {role} pointer: first at the {looked[0]}; most: {common}")
        terminated = next((index for index, action in enumerate(actions) if action.terminate), None)
        print(f"    held (unsure) {np.mean(confidence < args.min_confidence):.0%} of steps "
              f"({np.mean(actor.doubted):.0%} doubting the object is there); gripper "
              f"{np.mean([action.gripper for action in actions]):.2f}; terminated "
              f"{'at step ' + str(terminated) if terminated is not None else 'never'}; lifted "
              f"{[name for name, item in final.objects.items() if lifted(item)] or 'nothing'}")  # fmt: skip
        colour = final.objects[command.named].color if command.named else "-"
        target = goal(command, final, args.target)
        tally = by_colour[colour]
        tally["episodes"] += 1
        tally["solved"] += episode.success
        for template, text, looked in actor.first:
            if template != "command":
                print(f"    {text!r}: object pointer at the {looked[0]}, target pointer at the {looked[1]}")
            tally[template, where_target(looked, command.named, target)] += 1
        if target and collections.Counter(roles[1]).most_common(1)[0][0] == target:
            tally["on target", "solved" if episode.success else ending(terminated)] += 1
    print(f"{solved}/{args.episodes} solved")
    every = sum(by_colour.values(), collections.Counter())
    for colour, tally in [*sorted(by_colour.items()), ("every colour", every)]:
        print(f"{colour}: {tally['solved']}/{tally['episodes']} solved; first target pointer:")
        for template in ["command", *args.also]:
            places = ", ".join(f"{place} {tally[template, place]}" for place in ("target", "named object", "elsewhere")
                               if tally[template, place])  # fmt: skip
            print(f"    {template}: {places}")
        endings = ", ".join(f"{end} {tally['on target', end]}" for end in ENDINGS if tally["on target", end])
        print(f"    with the command's target pointer mostly on the target: {endings or 'none'}")
    world.close()


if __name__ == "__main__":
    main()
