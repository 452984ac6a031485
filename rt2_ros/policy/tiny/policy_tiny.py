"""policy_node's `tiny` backend: camera frame + instruction + the arm's own state -> 8 RT-2 action tokens.

How sure a step is (PolicyStep.confidence, policy_node holds below its min_confidence) comes from two places: the
object pointer's sharpness at every step, and, at a command's first step (and every PRESENCE_RECHECK steps after
while the answer is "not there"), the model's own answers about the colours the command names: asked "is there a
purple block?" and "how many purple objects are there?", a "no" and a "0" mean the thing the command is about is
not in view (confidence 0, and the status says so). That is RT-2's co-training used for safety: what the questions
taught, asked before acting. A colour word the model has no word for (COLOUR_LEXICON) cannot be asked about: it was
never taught to see that colour, and the command is held as well.

The step runs on one of two runtimes that compute the same graph (modeling_tiny.ActionGraph): ONNX Runtime
(runtime_onnx.py, the fast CPU path, when the checkpoint has a model.onnx exported from its weights) or eager
torch (CUDA, or a checkpoint without model.onnx). `runtime="auto"` takes ONNX Runtime where it can and says why
not otherwise (`runtime_note`).
"""

import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rt2_ros.actions.action import Action
from rt2_ros.actions.tokenizer import RT2ActionTokenizer
from rt2_ros.policy.base import Observation, Policy, PolicyStep, Proprio
from rt2_ros.policy.tiny.configuration_tiny import BLOCK_NOUNS, COLOUR_LEXICON, POINTER_ROLES, RUNTIMES
from rt2_ros.policy.tiny.modeling_tiny import SHIPPED_CHECKPOINT, ActionGraph, load_model
from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder, preprocess_image, proprio_vector

# Intra-op threads for CPU inference. The step is many small matmuls (8 decoding steps): a second thread gains
# little, and on a robot's few cores it contends with the camera driver and the other nodes (measured here:
# beside a 2-thread process, 2 threads took 286 ms a step and 1 thread 14 ms).
CPU_THREADS = 1
# Steps of one command between two presence checks while the last said "not there" (the first step always has
# one): each costs two questions per colour the command names (about 10 ms each on 2 cores), and a block put on the
# table is noticed this much later. Once seen, a thing is not asked about again for this command: the arm carrying
# a block hides it or lifts it off the table, and a "no" then stopped a carry halfway (measured: 9 of 50 unseen-object
# episodes lost, put-in-bowl and push mostly, when every 20th step asked again).
PRESENCE_RECHECK = 20


class TinyPolicy(Policy):
    """The tiny VLA as a policy backend; `answer()` asks it a question about a frame."""

    token_scheme = "rt2"
    needs_proprio = True

    def __init__(
        self, model_path: Path | None = None, device: str = "cpu", threads: int = CPU_THREADS, runtime: str = "auto"
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"tiny runtime {runtime!r}; expected one of {RUNTIMES}")
        if not device.startswith("cuda"):
            torch.set_num_threads(threads)
        folder = Path(model_path) if model_path else SHIPPED_CHECKPOINT
        self.model = load_model(folder, device)
        self.config = self.model.config
        self.device = device
        self.pointer_roles, self.pointer_crop = POINTER_ROLES, self.config.crop
        self.graph = ActionGraph(self.model)
        self.language = LanguageEncoder(max_tokens=self.config.max_text_tokens)
        self.tokenizer = RT2ActionTokenizer.from_config()
        self.onnx, self.runtime, self.runtime_note = None, "torch", ""
        if runtime != "torch":
            from rt2_ros.policy.tiny.runtime_onnx import OnnxActionGraph, onnx_problem

            problem = "ONNX Runtime runs on the CPU only" if device.startswith("cuda") else onnx_problem(folder)
            if problem is None:
                try:
                    self.onnx, self.runtime = OnnxActionGraph(folder, threads), "onnx"
                except ValueError as error:  # unreadable, or exported from other weights
                    problem = str(error)
            if problem is not None and runtime == "onnx":
                raise ValueError(f"tiny runtime 'onnx': {problem}")
            self.runtime_note = problem or ""
        self.reset()

    def reset(self) -> None:
        """A new command: its first step asks again whether what it names is in view."""
        self._doubt, self._steps = "", 0

    def inputs(self, image: np.ndarray, text: str, proprio: Proprio) -> dict[str, Tensor]:
        """encode_prefix's arguments for one frame (the text's encoding is cached: a command is encoded once)."""
        state = proprio_vector(proprio.ee_position, proprio.ee_quaternion, proprio.gripper)  # (8,)
        return self.crop_inputs(preprocess_image(image, self.config), text, state)

    def crop_inputs(self, crop: np.ndarray, text: str, state: np.ndarray) -> dict[str, Tensor]:
        """inputs() for a frame already cropped as the model sees it ((S, S, 3) uint8, writable) and an (8,) proprio
        vector."""
        pixels = torch.from_numpy(crop).permute(2, 0, 1)[None]  # (1, 3, S, S)
        embeddings, mask = self.language.encode(text)  # (L, 384), (L,)
        arrays = {"images": pixels, "proprio": torch.from_numpy(state)[None],
                  "text": torch.from_numpy(embeddings)[None], "text_mask": torch.from_numpy(mask)[None]}  # fmt: skip
        return {name: value.to(self.device) for name, value in arrays.items()}

    def preprocess(self, observation: Observation) -> dict[str, Tensor]:
        if observation.proprio is None:
            raise ValueError("the tiny VLA needs the arm's state (/rt2/ee_pose, /joint_states); none has arrived")
        return self.inputs(observation.image, observation.instruction, observation.proprio)

    @torch.no_grad()
    def run(self, inputs: dict[str, Tensor]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(8,) action tokens, (8,) their probabilities, (R, G, G) where each pointer looks (G = feature grid)."""
        if self.onnx is not None:
            tokens, chances, pointers = self.onnx({name: value.numpy() for name, value in inputs.items()})
        else:
            tokens, chances, pointers = (output.cpu().numpy() for output in self.graph(**inputs))
        grid = self.config.feature_grid
        return tokens[0], chances[0], pointers[0].reshape(-1, grid, grid)

    def infer(self, inputs: dict[str, Tensor]) -> list[int]:
        """The 8 action tokens: the prefix once, then 8 cached decoding steps."""
        return [int(token) for token in self.run(inputs)[0]]

    def decode(self, tokens: list[int]) -> Action:
        return self.tokenizer.decode_action(tokens)

    def act(self, observation: Observation) -> PolicyStep:
        tokens, chances, pointers = self.run(self.preprocess(observation))
        if self._steps == 0 or (self._doubt and self._steps % PRESENCE_RECHECK == 0):
            self._doubt = self.missing(observation.image, observation.instruction, observation.proprio)
        self._steps += 1
        tokens = [int(token) for token in tokens]
        chances = [float(chance) for chance in chances]
        confidence = 0.0 if self._doubt else pointer_confidence(pointers[0])
        return PolicyStep(tokens, self.decode(tokens), chances, pointers, confidence, self._doubt)

    def missing(self, image: np.ndarray, instruction: str, proprio: Proprio) -> str:
        """Why the command cannot be about anything in view ("" when it can): a colour it names that the model has
        no word for (it was never taught to see it), or one of its own of which it sees no block (when the command
        calls it a block) or no object at all ("the purple bowl"). Words that are not colours are left to the
        pointer."""
        known, untaught = named_colours(instruction, self.config.answer_words)
        if untaught:
            colours = ", ".join(word for word in COLOUR_LEXICON if word in self.config.answer_words)
            return f"the command says {untaught[0]}, a colour the model was never taught (it knows {colours})"
        blocks = block_colours(instruction)
        for colour in known:
            if self.answer(image, f"is there a {colour} block?", proprio) == "yes":
                continue
            if colour in blocks:
                return f"the model sees no {colour} block on the table (asked before acting)"
            if self.answer(image, f"how many {colour} objects are there?", proprio) == "0":
                return f"the model sees nothing {colour} on the table (asked before acting)"
        return ""

    def answer(self, image: np.ndarray, question: str, proprio: Proprio) -> str:
        """The model's answer to a question about the frame, as text ("yes", "red", "112 87")."""
        return self.reply(self.inputs(image, question, proprio))[0]

    @torch.no_grad()
    def reply(self, inputs: dict[str, Tensor]) -> tuple[str, np.ndarray]:
        """The answer to the question in `inputs` as text, and (R, G, G) where each pointer looked while asked."""
        prefix = self.model.encode_prefix(**inputs)
        tokens, _ = self.model.generate(prefix, self.config.special_id("<answer>"), self.config.max_answer_tokens)
        words = []
        for token in tokens[0].tolist():
            if token == self.config.special_id("<eos>"):
                break
            words.append(self.config.token_text(token))
        grid = self.config.feature_grid
        return " ".join(words), prefix.pointing.logits.softmax(-1)[0].cpu().numpy().reshape(-1, grid, grid)


def named_colours(instruction: str, vocabulary: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The colour words an instruction says, in order, each once: those of the model's vocabulary, and the others."""
    colours = list(dict.fromkeys(word for word in _words(instruction) if word in COLOUR_LEXICON))
    return [word for word in colours if word in vocabulary], [word for word in colours if word not in vocabulary]


def block_colours(instruction: str) -> set[str]:
    """The colours an instruction gives a block ("the red cube" -> red; "the red bowl" and "the red one" -> none)."""
    pairs = pairwise(_words(instruction))
    return {word for word, after in pairs if word in COLOUR_LEXICON and after in BLOCK_NOUNS}


def _words(instruction: str) -> list[str]:
    return re.findall(r"[a-z]+", instruction.lower())


def pointer_confidence(pointer: np.ndarray) -> float:
    """How sure the model is of what the command is about: the mass of its object pointer, a (G, G) distribution
    over cells, within one cell of its peak (near 1 when it points at one thing, low when spread or split)."""
    row, column = np.unravel_index(int(np.argmax(pointer)), pointer.shape)
    return float(pointer[max(0, row - 1) : row + 2, max(0, column - 1) : column + 2].sum())
