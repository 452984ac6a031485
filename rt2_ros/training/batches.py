"""Training batches: robot steps that act, robot steps and scenes that answer questions, augmented.

Each example is a prefix (camera crop, proprioception, the instruction or the question as language tokens)
and a decode sequence: `<act>` then the 8 RT-2 action tokens of the recorded action, or `<answer>` then the
answer's tokens and `<eos>`. Pointer targets come with them: the cell (and exact position) of the object the
instruction or question is about and, for move_near / put_in_bowl, of the target; and which words of the text
name each of them (its colour word and the word after it), where the text says so unambiguously.

Augmentation keeps the labels true: the crop is shifted by a few pixels (pointer targets shift with it),
brightness and contrast vary, hue never does (colours are what the instructions name). Proprioception gets
a little noise, so the policy cannot lean on it alone.
"""

from dataclasses import dataclass

import numpy as np
import torch

from rt2_ros.actions.tokenizer import RT2ActionTokenizer
from rt2_ros.data.cache import COLOR_NAMES, Cache
from rt2_ros.data.vqa import CONCEPTS, Question, all_question_texts, ask
from rt2_ros.policy.tiny.configuration_tiny import NUM_ACTION_TOKENS, POINTER_ROLES, TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder, answer_tokens

IGNORE = -100  # target of a decode position with no loss
MAX_SHIFT = 4  # px of the model's square
PROPRIO_NOISE = (0.004, 0.004, 0.004, 0.01, 0.01, 0.01, 0.01, 0.02)  # std per proprio dimension


@dataclass
class Batch:
    images: torch.Tensor  # (B, 3, S, S) uint8
    proprio: torch.Tensor  # (B, 8)
    text: torch.Tensor  # (B, L, 384), L the batch's longest text (<= max_text_tokens)
    text_mask: torch.Tensor  # (B, L) bool
    decode_inputs: torch.Tensor  # (B, 8) long: mode token, then the targets shifted right
    targets: torch.Tensor  # (B, 8) long, IGNORE where there is no loss
    is_action: torch.Tensor  # (B,) bool
    pointer_cell: torch.Tensor  # (B, R) long, IGNORE: no target for that role
    pointer_uv: torch.Tensor  # (B, R, 2)
    pointer_xyz: torch.Tensor  # (B, R, 3) m
    pointer_yaw: torch.Tensor  # (B, R)
    role_words: torch.Tensor  # (B, R, L) bool: the tokens naming each role's object (none: no such label)

    def to(self, device: torch.device) -> "Batch":
        return Batch(*(getattr(self, name).to(device) for name in self.__dataclass_fields__))


class TextBank:
    """Language-encoder outputs for every instruction and question, computed once before training."""

    def __init__(self, encoder: LanguageEncoder, texts: list[str]) -> None:
        self.index = {text: position for position, text in enumerate(dict.fromkeys(texts))}
        embeddings, masks = encoder.encode_batch(list(self.index))
        self.embeddings = torch.from_numpy(embeddings).to(torch.float16)  # (T, L, 384)
        self.masks = torch.from_numpy(masks)  # (T, L)
        self.colour_positions = colour_positions(encoder, list(self.index))  # (T, colours)

    def lookup(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = torch.tensor([self.index[text] for text in texts])
        return self.embeddings[rows].float(), self.masks[rows]

    def role_positions(self, text: str, colours: list[int]) -> list[int]:
        """Per pointer role, the token position of the colour word naming its object (`colours`: each role's
        object's index in COLOR_NAMES, -1: none) in `text`; -1 where the role has no object, where both roles' objects
        are of one colour (the words do not say which is which) or where the colour is not said exactly once."""
        present = [colour for colour in colours if colour >= 0]
        if len(set(present)) < len(present):
            return [-1] * len(colours)
        row = self.colour_positions[self.index[text]]
        return [int(row[colour]) if colour >= 0 else -1 for colour in colours]


def colour_positions(encoder: LanguageEncoder, texts: list[str]) -> np.ndarray:
    """(T, len(COLOR_NAMES)) int16: where each colour word is among each text's tokens as the encoder splits them
    ([CLS] at 0); -1 where it is absent, cut off, or said more than once (which object it names is then unclear)."""
    tokens = encoder.tokenizer(texts, truncation=True, max_length=encoder.max_tokens)["input_ids"]
    colour_ids = np.array(encoder.tokenizer.convert_tokens_to_ids(list(COLOR_NAMES)))  # (colours,)
    positions = np.full((len(texts), len(COLOR_NAMES)), -1, np.int16)
    for row, ids in enumerate(tokens):
        hits = np.asarray(ids)[None, :] == colour_ids[:, None]  # (colours, tokens)
        once = hits.sum(1) == 1
        positions[row, once] = hits[once].argmax(1)
    return positions


def bank_texts(caches: list[Cache], rewordings: dict[int, list[str]] | None = None) -> list[str]:
    """Every text a batch can say: the recorded commands, their rewordings, the questions."""
    reworded = [text for texts in (rewordings or {}).values() for text in texts]
    return [text for cache in caches for text in cache.instructions] + reworded + list(all_question_texts())


class BatchMaker:
    def __init__(
        self,
        robot: Cache,
        scenes: Cache | None,
        bank: TextBank,
        config: TinyVLAConfig,
        question_share: float,
        scene_share: float,
        seed: int,
        concepts: tuple[str, ...] = CONCEPTS,
        rewordings: dict[int, list[str]] | None = None,
        questions: tuple[str, ...] = (),
    ) -> None:
        """`rewordings`: robot episode -> more commands for it (rt2_ros.training.rewording), said as often each as
        the recorded one. `questions`: optional question families (rt2_ros.data.vqa.OPTIONAL_FAMILIES) to ask too."""
        self.robot, self.scenes, self.bank, self.config = robot, scenes, bank, config
        self.rewordings = rewordings or {}
        self.question_share, self.scene_share, self.concepts = question_share, scene_share, tuple(concepts)
        self.questions = tuple(questions)
        self.rng = np.random.default_rng(seed)
        self.tokenizer = RT2ActionTokenizer.from_config()
        actions = robot.arrays["action"]
        self.robot_steps = np.flatnonzero(np.all(np.isfinite(actions), axis=1))  # steps with a label
        self.robot_ground_truth = np.flatnonzero(robot.arrays["object_kind"][:, 0] >= 0)  # steps questions can use
        if len(self.robot_steps) == 0:
            raise ValueError(f"{robot.folder} holds no step with an action")
        self.action_tokens = np.zeros((len(actions), NUM_ACTION_TOKENS), np.int64)
        self.action_tokens[self.robot_steps] = self.tokenizer.encode(actions[self.robot_steps])

    def make(self, size: int) -> Batch:
        rng = self.rng
        from_scenes = round(size * self.scene_share) if self.scenes is not None else 0
        questions = rng.random(size - from_scenes) < self.question_share
        if len(self.robot_ground_truth) == 0:
            questions[:] = False
        examples = []  # (cache, step, question or None)
        for asked in questions:
            if asked:
                step = int(rng.choice(self.robot_ground_truth))
                question = ask(
                    rng,
                    _row(self.robot, step),
                    self.config,
                    robot=True,
                    concepts=self.concepts,
                    optional=self.questions,
                )
                examples.append((self.robot, step, question))
            else:
                examples.append((self.robot, int(rng.choice(self.robot_steps)), None))
        for _ in range(from_scenes):
            step = int(rng.integers(len(self.scenes)))
            question = ask(
                rng, _row(self.scenes, step), self.config, robot=False, concepts=self.concepts, optional=self.questions
            )
            examples.append((self.scenes, step, question))
        return self._collate(examples)

    def _collate(self, examples: list[tuple[Cache, int, Question | None]]) -> Batch:
        config, rng = self.config, self.rng
        size = len(examples)
        grid = config.feature_grid
        images = np.stack([cache.images[step] for cache, step, _ in examples])  # (B, S, S, 3)
        shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=(size, 2))  # (B, 2) px: (du, dv)
        images = augment(images, shifts, rng)
        proprio = np.stack([cache.arrays["proprio"][step] for cache, step, _ in examples])
        proprio = proprio + rng.normal(0, PROPRIO_NOISE, proprio.shape)
        decode_inputs = np.full((size, NUM_ACTION_TOKENS), config.special_id("<eos>"), np.int64)
        targets = np.full((size, NUM_ACTION_TOKENS), IGNORE, np.int64)
        pointer_cell = np.full((size, len(POINTER_ROLES)), IGNORE, np.int64)
        pointer_uv = np.zeros((size, len(POINTER_ROLES), 2), np.float32)
        pointer_xyz = np.zeros((size, len(POINTER_ROLES), 3), np.float32)
        pointer_yaw = np.zeros((size, len(POINTER_ROLES)), np.float32)
        named = np.full((size, len(POINTER_ROLES)), -1, np.int64)  # token position of each role's colour word
        texts = []
        for index, (cache, step, question) in enumerate(examples):
            arrays = cache.arrays
            if question is None:
                texts.append(self._command(cache, step))
                sequence = self.action_tokens[step]
                decode_inputs[index, 0] = config.special_id("<act>")
                slots = (int(arrays["task_object"][step]), int(arrays["task_target"][step]))
            else:
                texts.append(question.text)
                sequence = np.array(answer_tokens(list(question.answer), config))
                decode_inputs[index, 0] = config.special_id("<answer>")
                slots = question.pointers
            targets[index, : len(sequence)] = sequence
            decode_inputs[index, 1 : len(sequence)] = sequence[:-1]
            for role, slot in enumerate(slots):
                if slot < 0:
                    continue
                uv = arrays["object_uv"][step, slot] + shifts[index] / config.image_size
                if np.all((uv >= 0) & (uv < 1)):
                    pointer_cell[index, role] = int(uv[1] * grid) * grid + int(uv[0] * grid)
                    pointer_uv[index, role] = uv
                    pointer_xyz[index, role] = arrays["object_position"][step, slot]
                    pointer_yaw[index, role] = arrays["object_yaw"][step, slot]
            colours = [int(arrays["object_color"][step, slot]) if slot >= 0 else -1 for slot in slots]
            named[index] = self.bank.role_positions(texts[-1], colours)
        text, text_mask = self.bank.lookup(texts)
        # Only as many language positions as the longest text needs: padding is masked everywhere it is read, so
        # the result is the same, with less transformer work (most commands are a dozen word pieces of 24).
        longest = int(text_mask.sum(1).max())
        text, text_mask = text[:, :longest].contiguous(), text_mask[:, :longest].contiguous()
        # A role's words: its colour word and the one after it (the noun it qualifies: "red block", "blue bowl").
        positions = np.arange(longest)  # (L,)
        role_words = ((positions == named[..., None]) | (positions == named[..., None] + 1)) & (named[..., None] >= 0)
        role_words = torch.from_numpy(role_words) & text_mask[:, None, :]  # (B, R, L)
        return Batch(
            images, torch.from_numpy(proprio).float(), text,
            text_mask, torch.from_numpy(decode_inputs), torch.from_numpy(targets),
            torch.tensor([question is None for _, _, question in examples]), torch.from_numpy(pointer_cell),
            torch.from_numpy(pointer_uv), torch.from_numpy(pointer_xyz), torch.from_numpy(pointer_yaw), role_words,
        )  # fmt: skip

    def _command(self, cache: Cache, step: int) -> str:
        """What a robot step is told: its episode's recorded command or one of the rewordings, each as likely."""
        recorded = cache.instructions[cache.arrays["instruction"][step]]
        others = self.rewordings.get(int(cache.arrays["episode"][step]), [])
        if not others:  # no draw: without rewordings the random stream is the one it always was
            return recorded
        pick = int(self.rng.integers(len(others) + 1))
        return others[pick] if pick < len(others) else recorded


def _row(cache: Cache, step: int) -> dict[str, np.ndarray]:
    return {name: array[step] for name, array in cache.arrays.items()}


def augment(images: np.ndarray, shifts: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """(B, S, S, 3) uint8 -> (B, 3, S, S) uint8, shifted by (du, dv) px each (edges repeated), brightness and
    contrast varied. Shifts on the uint8 pixels, the arithmetic in float32 torch (float64 numpy took 24 ms of a
    33 ms batch)."""
    size = images.shape[1]
    padded = np.pad(images, ((0, 0), (MAX_SHIFT, MAX_SHIFT), (MAX_SHIFT, MAX_SHIFT), (0, 0)), mode="edge")
    shifted = np.stack([
        padded[i, MAX_SHIFT - dv : MAX_SHIFT - dv + size, MAX_SHIFT - du : MAX_SHIFT - du + size]
        for i, (du, dv) in enumerate(shifts)
    ])  # fmt: skip
    brightness = torch.from_numpy(rng.uniform(0.85, 1.15, size=(len(images), 1, 1, 1)).astype(np.float32))
    contrast = torch.from_numpy(rng.uniform(0.85, 1.15, size=(len(images), 1, 1, 1)).astype(np.float32))
    pixels = torch.from_numpy(shifted).permute(0, 3, 1, 2).float()  # (B, 3, S, S)
    mean = pixels.mean(dim=(1, 2, 3), keepdim=True)  # (B, 1, 1, 1)
    return ((pixels - mean) * contrast + mean * brightness).clamp_(0, 255).to(torch.uint8)
