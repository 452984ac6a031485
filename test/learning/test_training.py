"""`rt2-ros train`: the smoke config trains for about a minute and learns (here, and again with other CPU kernels
and thread count); --resume continues from the checkpoint; the same loop runs under torchrun with 2 CPU
processes (DDP over gloo) that stay in step."""

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from rt2_ros.policy.tiny.modeling_tiny import load_model

ROOT = Path(__file__).resolve().parents[2]
SMOKE_CONFIG = ROOT / "config" / "train" / "smoke.yaml"  # as conftest.py trains it


# What "the smoke run learns" means, with bars far from every end point measured where machines differ.
# scripts/smoke_spread.py ran config/train/smoke.yaml 18 times (2026-12-04, AMD EPYC with AVX-512): torch CPU
# kernels ATEN_CPU_CAPABILITY default / avx2 / avx512 x 1 and 2 threads x recordings of seeds 5, 6 and 7.
# Each term is the mean over a logging window (10 steps); first window -> last window, over all 18 runs:
#   action loss      5.30-5.35 -> 3.46-3.74   ratio 0.65-0.70
#   answer loss      5.15      -> 1.76-1.84   ratio 0.34-0.36
#   action accuracy  0.08-0.10 -> 0.30-0.35   (the exact bin of 256; chance 0.004)
# Again on the fast path (bf16 autocast, channels-last; smoke_spread.py --precisions bf16), 8 runs (2026-12-05,
# Intel Xeon with AMX tiles): kernels avx512 / default x 1 and 2 threads x seeds 5 and 6: action loss ratio
# 0.67-0.71, answer loss ratio 0.34-0.41, action accuracy 0.27-0.33. Every bar below is cleared by far in all 26.
# The total loss is not a good measure: its position and pointer terms wander with the machine (ratio 0.53-0.62;
# the old bar, total < 0.6 x its start, failed on some machines and passed on others).
ACTION_RATIO = 0.85  # action loss, last window over first
ANSWER_RATIO = 0.6  # answer loss, last window over first
ACTION_ACCURACY = 0.2  # action tokens exactly right, last window


def logged(lines: list[str]) -> list[dict[str, float]]:
    """Each `step N ...` log line's terms (total, action, answer, action_accuracy, ...)."""
    rows = []
    for line in lines:
        match = re.match(r"step (\d+) lr \S+ \d+ samples/s (.*)$", line)
        if match:
            words = match.group(2).split()
            rows.append(
                {"step": int(match.group(1)), **{words[i]: float(words[i + 1]) for i in range(0, len(words), 2)}}
            )
    return rows


def assert_learned(lines: list[str]) -> None:
    rows = logged(lines)
    assert len(rows) >= 4, lines
    first, last = rows[0], rows[-1]
    assert last["action"] < ACTION_RATIO * first["action"], (first, last)
    assert last["answer"] < ANSWER_RATIO * first["answer"], (first, last)
    assert last["action_accuracy"] > ACTION_ACCURACY, (first, last)


def test_the_smoke_run_learns(smoke_run):
    assert smoke_run["config"].threads == 2  # fixed by the config, not taken from the machine
    assert_learned(smoke_run["log"])
    model = load_model(smoke_run["model"])
    assert model.config.d_model == 64


@pytest.mark.slow
def test_the_smoke_run_learns_with_other_kernels_and_one_thread(smoke_run, tmp_path):
    """The same run on the plain fp32 path (the smoke config's default is bf16 autocast where the CPU has native
    bf16), with torch's portable kernels (no AVX) and one thread: what another machine would compute. A bar
    fitted to this machine's floating point fails here rather than on the next machine."""
    config = smoke_run["config"]
    path = tmp_path / "variant.yaml"
    document = yaml.safe_load(SMOKE_CONFIG.read_text())
    document.update(output=str(tmp_path / "run"), threads=1)
    document["speed"] = {"precision": "fp32", "channels_last": False, "prefetch": False, "compile": False}
    document["data"].update(robot=config.data.robot, cache=config.data.cache)  # the caches exist already
    path.write_text(yaml.safe_dump(document))
    result = subprocess.run(
        [sys.executable, "-m", "rt2_ros", "train", str(path), "--no-progress"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env={**os.environ, "ATEN_CPU_CAPABILITY": "default"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert_learned(result.stdout.splitlines())


def test_resume_continues_from_the_checkpoint(smoke_run, tmp_path):
    from rt2_ros.training.loop import train

    config = smoke_run["config"]
    steps = config.optim.steps
    shutil.copytree(Path(config.output) / "checkpoint", tmp_path / "checkpoint")
    resumed = replace(config, output=str(tmp_path))
    saved = load_file(tmp_path / "checkpoint" / "model.safetensors")
    # Resumed at the step where it stopped, nothing is trained: the exported model is the checkpoint's, exactly.
    train(resumed, resume_run=True, log=lambda line: None, progress=False)
    exported = load_file(tmp_path / "model" / "model.safetensors")
    assert exported.keys() == saved.keys() and all(torch.equal(exported[name], saved[name]) for name in saved)
    # Ten steps more go on from there: the step count, the optimiser's state (AdamW's own step) and the weights.
    lines: list[str] = []
    train(replace(resumed, optim=replace(config.optim, steps=steps + 10)), resume_run=True, log=lines.append,
          progress=False)  # fmt: skip
    assert f"resumed from step {steps}" in lines
    assert [row["step"] for row in logged(lines)] == [steps + 10]
    assert json.loads((tmp_path / "checkpoint" / "trainer.json").read_text())["step"] == steps + 10
    optimizer = load_file(tmp_path / "checkpoint" / "optimizer.safetensors")
    counts = {float(value) for name, value in optimizer.items() if name.endswith(".step")}
    assert counts == {float(steps + 10)}, counts
    trained = load_file(tmp_path / "model" / "model.safetensors")
    assert not all(torch.equal(trained[name], saved[name]) for name in saved)


def test_init_fine_tunes_a_trained_model_and_refuses_another_shape(smoke_run, tmp_path):
    """`init`: the run starts from a trained model's weights (its first step's losses are the trained model's, far
    below a fresh one's), trains them on, and refuses a model whose config differs from the run's."""
    from rt2_ros.training.loop import train

    config = smoke_run["config"]
    trained = load_file(Path(smoke_run["model"]) / "model.safetensors")
    lines: list[str] = []
    tuned = replace(config, output=str(tmp_path / "tuned"), init=str(smoke_run["model"]), log_every=1,
                    optim=replace(config.optim, steps=3, warmup=0))  # fmt: skip
    train(tuned, log=lines.append, progress=False)
    assert f"weights from {smoke_run['model']}" in lines
    first = logged(lines)[0]
    fresh = logged(smoke_run["log"])[0]
    assert first["action"] < ACTION_RATIO * fresh["action"] and first["answer"] < ANSWER_RATIO * fresh["answer"]
    result = load_file(tmp_path / "tuned" / "model" / "model.safetensors")
    assert result.keys() == trained.keys() and not all(torch.equal(result[name], trained[name]) for name in trained)
    wider = replace(tuned, output=str(tmp_path / "wider"), model={**config.model, "d_model": 96})
    with pytest.raises(ValueError, match="d_model"):
        train(wider, progress=False)


def test_init_may_change_what_film_reads_and_redraws_only_that_layer(smoke_run):
    """A fine-tune with another `film_condition` keeps every trained weight but FiLM's input layer's (sentence ->
    roles: nothing in common, the layer is drawn afresh)."""
    from rt2_ros.training.loop import initial_model

    config = smoke_run["config"]
    trained = load_file(Path(smoke_run["model"]) / "model.safetensors")
    roles = replace(config.model_config(), film_condition="roles")
    model = initial_model(Path(smoke_run["model"]), roles, torch.device("cpu"))
    assert model.config.film_condition == "roles" and model.training
    state = model.state_dict()
    kept = [name for name in trained if not name.startswith("sentence.")]
    assert kept and all(torch.equal(state[name], trained[name]) for name in kept)
    assert not torch.equal(state["sentence.0.weight"], trained["sentence.0.weight"])


def test_init_adding_the_roles_to_film_starts_as_the_trained_model(smoke_run):
    """sentence -> both: FiLM's input layer keeps the sentence's columns and starts the roles' at zero, so the
    fine-tune's first step computes what the trained model does, and the roles' columns still get gradient."""
    from rt2_ros.policy.tiny.modeling_tiny import load_model
    from rt2_ros.training.loop import initial_model

    config = smoke_run["config"]
    trained = load_model(Path(smoke_run["model"]), "cpu").eval()
    both = initial_model(Path(smoke_run["model"]), replace(config.model_config(), film_condition="both"),
                         torch.device("cpu"))  # fmt: skip
    model_config = both.config
    generator = torch.Generator().manual_seed(3)
    images = torch.randint(0, 256, (2, 3, model_config.image_size, model_config.image_size), generator=generator)
    proprio = torch.randn(2, 8, generator=generator)
    text = torch.randn(2, model_config.max_text_tokens, model_config.text_dim, generator=generator)
    mask = torch.arange(model_config.max_text_tokens) < torch.tensor([[7], [12]])  # (2, L)
    expected = trained.encode_prefix(images, proprio, text, mask).tokens
    prefix = both.encode_prefix(images, proprio, text, mask)
    assert torch.allclose(prefix.tokens, expected, rtol=1e-5, atol=1e-5)  # the sum over 768 columns, not 384
    width = model_config.text_dim
    assert both.sentence[0].weight.shape[1] > width and not both.sentence[0].weight[:, width:].any()
    prefix.tokens.square().sum().backward()
    assert both.sentence[0].weight.grad[:, width:].abs().sum() > 0


def test_resume_without_a_checkpoint_says_so(smoke_config, tmp_path):
    from rt2_ros.training.loop import train

    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(replace(smoke_config, output=str(tmp_path / "fresh")), resume_run=True, progress=False)


def test_torchrun_with_two_cpu_processes(smoke_run, tmp_path):
    config = smoke_run["config"]
    path = tmp_path / "ddp.yaml"
    document = yaml.safe_load(SMOKE_CONFIG.read_text())
    document.update(output=str(tmp_path / "ddp"), threads=1, log_every=2, checkpoint_every=4)
    document["data"].update(robot=config.data.robot, cache=config.data.cache)  # the caches exist already
    document["optim"].update(steps=4, batch_size=4)
    path.write_text(yaml.safe_dump(document))
    torchrun = Path(sys.executable).with_name("torchrun")
    result = subprocess.run(
        [str(torchrun), "--nproc_per_node", "2", "--master_port", str(29500 + os.getpid() % 1000), "-m", "rt2_ros",
         "train", str(path), "--no-progress"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "step 4 " in result.stdout and (tmp_path / "ddp" / "model" / "model.safetensors").is_file()
    # Both ranks trained and ended in step: DDP averaged their gradients into identical weights.
    assert "ranks: 2 processes, largest parameter difference from rank 0: 0" in result.stdout, result.stdout


def test_a_bad_config_is_refused_with_its_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("optim: {stepz: 3}\n")
    result = subprocess.run([sys.executable, "-m", "rt2_ros", "train", str(path)], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown keys ['optim.stepz']" in result.stderr
    path.write_text("data: {scene_share: 0, questions: [can_you_fly]}\n")
    result = subprocess.run([sys.executable, "-m", "rt2_ros", "train", str(path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "data.questions ['can_you_fly']: each one of ('can_put', 'different')" in result.stderr


def test_a_negative_thread_count_is_refused():
    command = [sys.executable, "-m", "rt2_ros", "train", str(SMOKE_CONFIG), "--threads", "-1"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2 and "threads >= 0" in result.stderr


def test_the_fused_optimiser_computes_the_plain_step(smoke_run):
    """AdamW's fused kernel (the fast path's) must not change what is learned: from the same weights and batches,
    the losses of three steps agree with the plain path's to float rounding (the second and third depend on the
    optimiser's updates)."""
    from rt2_ros.policy.tiny.modeling_tiny import TinyVLA
    from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder
    from rt2_ros.training.batches import BatchMaker, TextBank, bank_texts
    from rt2_ros.training.config import PLAIN_SPEED
    from rt2_ros.training.loop import Distributed, TrainingStep, make_optimizer, prepare_data

    config = smoke_run["config"]
    model_config = config.model_config()
    robot, scenes = prepare_data(config, model_config, Distributed(), lambda line: None)
    bank = TextBank(LanguageEncoder(max_tokens=model_config.max_text_tokens), bank_texts([robot, scenes]))
    losses = {}
    for fused in (False, True):
        run = replace(config, speed=replace(PLAIN_SPEED, fused_optimizer=fused))
        batches = BatchMaker(robot, scenes, bank, model_config, run.data.question_share, run.data.scene_share, 0)
        torch.manual_seed(0)
        model = TinyVLA(model_config).train()
        optimizer = make_optimizer(model, run)
        assert optimizer.defaults["fused"] is fused
        step = TrainingStep(model, optimizer, run, Distributed())
        losses[fused] = [float(step(batches.make(16), 1e-3)["total"].detach()) for _ in range(3)]
    assert losses[True] == pytest.approx(losses[False], rel=1e-4), losses


def test_each_pointer_role_is_labelled_with_the_words_that_name_its_object():
    """The roles loss's labels: the token of the colour word naming each role's object, wherever the sentence puts
    it; none where the words cannot tell the roles apart (one colour for both, a colour said twice or not at all)."""
    from rt2_ros.data.cache import COLOR_NAMES
    from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder
    from rt2_ros.training.batches import TextBank

    red, blue, green, yellow = (COLOR_NAMES.index(name) for name in ("red", "blue", "green", "yellow"))
    object_first, goal_first = "put the green block in the yellow bowl", "into the yellow dish, put the green cube"
    twice, push, spanish = (
        "move the red block near the red bowl",
        "push the blue block to the left",
        "¿dónde está el bloque rojo?",
    )
    encoder = LanguageEncoder(max_tokens=24)
    bank = TextBank(encoder, [object_first, goal_first, twice, push, spanish])

    def said(text: str, colours: list[int]) -> list[str | None]:
        tokens = ["[CLS]", *encoder.tokenizer.tokenize(text)]
        return [tokens[position] if position >= 0 else None for position in bank.role_positions(text, colours)]

    assert said(object_first, [green, yellow]) == ["green", "yellow"]
    assert said(goal_first, [green, yellow]) == ["green", "yellow"]
    assert said(object_first, [yellow, green]) == ["yellow", "green"]  # the labels follow the objects, not the order
    assert said(object_first, [blue, yellow]) == [None, "yellow"]
    assert said(twice, [red, blue]) == [None, None]
    assert said(push, [blue, -1]) == ["blue", None]
    assert said(push, [blue, blue]) == [None, None]
    assert said(spanish, [red, -1]) == [None, None]


def test_the_roles_loss_is_labelled_in_every_batch_and_learnable(smoke_run):
    """Each labelled role marks its colour word and the word after it; trained on that term alone, the pointer
    roles' attention moves onto those words."""
    from rt2_ros.policy.tiny.modeling_tiny import TinyVLA
    from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder
    from rt2_ros.training.batches import BatchMaker, TextBank, bank_texts
    from rt2_ros.training.loop import Distributed, losses, prepare_data

    config = smoke_run["config"]
    model_config = config.model_config()
    robot, scenes = prepare_data(config, model_config, Distributed(), lambda line: None)
    bank = TextBank(LanguageEncoder(max_tokens=model_config.max_text_tokens), bank_texts([robot, scenes]))
    labels = []
    said = bank.role_positions
    bank.role_positions = lambda text, colours: labels.append(said(text, colours)) or labels[-1]
    batch = BatchMaker(robot, scenes, bank, model_config, 0.25, 0.25, 0).make(32)
    width = batch.text_mask.shape[1]
    for example, positions in enumerate(labels):
        for role, position in enumerate(positions):
            marked = batch.role_words[example, role].nonzero().flatten().tolist()
            named = [] if position < 0 else [position, position + 1]
            assert marked == [p for p in named if p < width and batch.text_mask[example, p]]
    assert batch.role_words.any(-1).sum() >= 16, "most robot commands name their objects by colour"

    torch.manual_seed(0)
    model = TinyVLA(model_config).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    weights = replace(config.loss, roles=1.0)
    before = float(losses(model, batch, weights, 1.5)["roles"])
    for _ in range(30):
        optimizer.zero_grad()
        losses(model, batch, weights, 1.5)["roles"].backward()
        optimizer.step()
    after = float(losses(model, batch, weights, 1.5)["roles"])
    assert after < 0.5 * before, (before, after)
