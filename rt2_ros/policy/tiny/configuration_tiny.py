"""Configuration of the tiny VLA: its shapes, its input processing and its output vocabulary.

The vocabulary is RT-2's trick in miniature: ids 0..255 are the 256 number tokens (an action dimension's bin,
a count, a position on the table), then the words the answers use, then the special tokens. An action is 8
number tokens (config/action_space.yaml bins, the existing RT-2 tokenizer); an answer is words or numbers
ending in <eos>.
"""

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from rt2_ros.actions.action import ACTION_DIMENSIONS

NUM_NUMBER_TOKENS = 256
COLOUR_WORDS = ("red", "green", "blue", "yellow", "purple", "orange", "white", "black")  # what it can see and say
# English colour words: a command naming one its vocabulary lacks is about a colour it was never taught to see (the
# tiny backend holds it). Common colour adjectives, kept general; "violet" and "rose" are left out (French for purple
# and pink, which the other-language commands say).
COLOUR_LEXICON = (
    *COLOUR_WORDS,
    "pink", "brown", "grey", "gray", "cyan", "magenta", "teal", "turquoise", "beige", "maroon", "navy", "indigo",
    "lime", "olive", "gold", "golden", "silver", "bronze", "copper", "crimson", "scarlet", "amber", "lavender",
    "lilac", "mauve", "peach", "tan", "khaki", "ivory", "cream", "aqua", "azure", "cerulean", "fuchsia", "burgundy",
    "charcoal", "coral", "ochre", "sepia", "taupe", "vermilion", "emerald", "jade", "ruby", "sapphire",
)  # fmt: skip
ANSWER_WORDS = (
    *COLOUR_WORDS,
    "block", "bowl", "ball", "can", "yes", "no", "left", "right",
    # the markers' letters and shapes (rt2_ros.sim.scene.SYMBOLS; its digits are number tokens)
    "A", "B", "E", "H", "K", "M", "R", "T", "X", "star", "circle", "triangle", "square", "cross", "diamond",
)  # fmt: skip
# Words a command may call a block by: "the purple cube" is asked about as a block ("is there a purple block?").
BLOCK_NOUNS = ("block", "blocks", "cube", "cubes", "box", "boxes", "brick", "bricks")
SPECIAL_TOKENS = ("<act>", "<answer>", "<eos>")
NUM_ACTION_TOKENS = len(ACTION_DIMENSIONS)
PROPRIO_SIZE = 8  # ee position (3), ee quaternion [x, y, z, w] with w >= 0 (4), gripper closure (1)
POINTER_ROLES = ("object", "target")  # what the instruction is about, and where it goes
FILM_CONDITIONS = ("sentence", "roles", "both")  # what the image encoder's FiLM reads (TinyVLAConfig.film_condition)
RUNTIMES = ("auto", "onnx", "torch")  # how the `tiny` backend runs a step (policy_tiny.py)
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


@dataclass
class TinyVLAConfig:
    # -- input ---------------------------------------------------------------------------------------------
    image_size: int = 128  # px, the square the camera crop is resized to
    # Crop of the camera frame, as fractions of its height and width: (top, left, height, width). The default
    # keeps the table area of the sim's 224 px scene camera (the arm's base and the sky cut away).
    crop: tuple[float, float, float, float] = (24 / 224, 32 / 224, 176 / 224, 176 / 224)
    max_text_tokens: int = 24  # language tokens (word pieces of the instruction, [CLS] and [SEP])
    text_dim: int = 384  # width of the language encoder's token embeddings (all-MiniLM-L6-v2)
    # Table area the position answers are binned over (base frame, m): x range, y range.
    table_x: tuple[float, float] = (0.22, 0.72)
    table_y: tuple[float, float] = (-0.36, 0.36)
    # -- vision --------------------------------------------------------------------------------------------
    channels: tuple[int, int, int] = (16, 32, 64)  # conv stages at 1/2, 1/4, 1/8 of image_size
    image_token_grid: int = 4  # image tokens: the 1/8 feature map average-pooled to grid x grid
    # What conditions the conv stages (FiLM): "sentence", the instruction's mean-pooled word vectors (a bag of words:
    # "the green block in the yellow bowl" and "the yellow block in the green bowl" look alike); "roles", what the
    # pointer roles read, each in its place (the object's words, then the target's); "both", the two side by side.
    film_condition: str = "sentence"
    # -- transformer ---------------------------------------------------------------------------------------
    d_model: int = 192
    num_layers: int = 4
    num_heads: int = 4
    mlp_ratio: int = 4
    dropout: float = 0.0
    # -- output --------------------------------------------------------------------------------------------
    max_answer_tokens: int = 3  # answer words/numbers including <eos>
    answer_words: tuple[str, ...] = ANSWER_WORDS
    # How the training data was made (written by training, shown by `rt2-ros eval`); free-form.
    provenance: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.crop = tuple(float(value) for value in self.crop)
        self.channels = tuple(int(value) for value in self.channels)
        self.table_x, self.table_y = tuple(self.table_x), tuple(self.table_y)
        self.answer_words = tuple(self.answer_words)
        problems = []
        if self.image_size % 8 or not 32 <= self.image_size <= 512:
            problems.append(f"image_size {self.image_size} (a multiple of 8 in 32..512)")
        top, left, height, width = self.crop
        if not (top >= 0 and left >= 0 and height > 0 and width > 0 and top + height <= 1 and left + width <= 1):
            problems.append(f"crop {self.crop} (fractions inside the frame)")
        if self.film_condition not in FILM_CONDITIONS:
            problems.append(f"film_condition {self.film_condition!r} (one of {', '.join(FILM_CONDITIONS)})")
        if len(self.channels) != 3 or min(self.channels) < 1:
            problems.append(f"channels {self.channels} (three positive widths)")
        if (self.image_size // 8) % self.image_token_grid:
            problems.append(f"image_token_grid {self.image_token_grid} (must divide image_size / 8)")
        if self.d_model % self.num_heads:
            problems.append(f"d_model {self.d_model} (must be divisible by num_heads {self.num_heads})")
        if min(self.num_layers, self.num_heads, self.mlp_ratio, self.max_text_tokens, self.max_answer_tokens) < 1:
            problems.append("num_layers, num_heads, mlp_ratio, max_text_tokens, max_answer_tokens must be >= 1")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout {self.dropout} (in [0, 1))")
        if self.table_x[0] >= self.table_x[1] or self.table_y[0] >= self.table_y[1]:
            problems.append(f"table_x {self.table_x}, table_y {self.table_y} (low < high)")
        if problems:
            raise ValueError(f"tiny VLA config: bad {'; '.join(problems)}")

    # -- vocabulary ------------------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return NUM_NUMBER_TOKENS + len(self.answer_words) + len(SPECIAL_TOKENS)

    def word_id(self, word: str) -> int:
        return NUM_NUMBER_TOKENS + self.answer_words.index(word)

    def special_id(self, name: str) -> int:
        return NUM_NUMBER_TOKENS + len(self.answer_words) + SPECIAL_TOKENS.index(name)

    def token_text(self, token: int) -> str:
        if token < NUM_NUMBER_TOKENS:
            return str(token)
        if token < NUM_NUMBER_TOKENS + len(self.answer_words):
            return self.answer_words[token - NUM_NUMBER_TOKENS]
        return SPECIAL_TOKENS[token - NUM_NUMBER_TOKENS - len(self.answer_words)]

    @property
    def feature_grid(self) -> int:
        """Cells per side of the 1/8 feature map the pointers read."""
        return self.image_size // 8

    # -- files -----------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        (Path(folder) / CONFIG_FILE).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, folder: Path) -> "TinyVLAConfig":
        """From a checkpoint folder's config.json; FileNotFoundError / ValueError naming what is wrong."""
        path = Path(folder) / CONFIG_FILE
        if not path.is_file():
            raise FileNotFoundError(f"tiny VLA checkpoint {folder} has no {CONFIG_FILE}")
        try:
            values = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not JSON: {error}") from error
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{path}: unknown fields {unknown}")
        return cls(**values)
