"""Action tokenizers: continuous end-effector actions <-> discrete tokens of a language model.

Two schemes, both batched over any leading shape (..., D):

- "rt2" (RT-2): the 8 dimensions of ACTION_DIMENSIONS, each cut into `num_bins` uniform bins over the
  robot's own range (config/action_space.yaml). A token is the bin index plus `token_offset`, so
  tokens are plain integers 0..255 or, with token_offset = vocab_size - 256, the vocabulary's last ids.
  Decoding gives bin centres.
- "openvla" (OpenVLA): 7 dimensions (dx, dy, dz, droll, dpitch, dyaw, gripper), no terminate. Each
  masked dimension is normalised to [-1, 1] with the checkpoint's q01/q99 statistics; the value is
  digitised against np.linspace(-1, 1, num_bins) edges and the token id is vocab_size - bin (bin in
  1..num_bins). Decoding takes the centre of interval bin - 1, clipped to the num_bins - 1 intervals
  (so ids vocab_size - num_bins and vocab_size - num_bins + 1 decode alike), then un-normalises.
  OpenVLA's datasets store the gripper as 1 = open, 0 = closed, while rt2_ros uses 0 = open, 1 = closed:
  `gripper_open_is_one` (default True) converts between them. With no terminate token, an OpenVLA
  policy never ends an episode by itself (see README.md, "Actions and action tokens").

Tokens come back as int64 arrays; bad tokens (wrong count, out of range, not integers) and
non-finite actions raise a ValueError naming the position, the dimension and the value.
"""

from abc import ABC, abstractmethod
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from rt2_ros.actions.action import ACTION_DIMENSIONS, Action
from rt2_ros.actions.statistics import ActionStatistics, load_dataset_statistics
from rt2_ros.resources import resource_path

OPENVLA_DIMENSIONS = ("dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper")
DEFAULT_NUM_BINS = 256


def _is_integral(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, Integral):
        return True
    return isinstance(value, Real) and bool(np.isfinite(value)) and float(value).is_integer()


def _shown(value: Any) -> str:
    """A value as an error message shows it: 3.5, nan, '7', None (not np.float64(3.5))."""
    return repr(value.item() if isinstance(value, np.generic) else value)


class ActionTokenizer(ABC):
    """What both schemes share: input checks, the token id range, Action conversion."""

    scheme: str
    dimensions: tuple[str, ...]

    @property
    def num_dimensions(self) -> int:
        return len(self.dimensions)

    @property
    @abstractmethod
    def token_range(self) -> tuple[int, int]:
        """(first, last) valid token id, both inclusive."""

    @property
    @abstractmethod
    def action_low(self) -> np.ndarray:
        """(D,) lowest value each dimension can be encoded as; encode clips below it."""

    @property
    @abstractmethod
    def action_high(self) -> np.ndarray:
        """(D,) highest value each dimension can be encoded as; encode clips above it."""

    @property
    @abstractmethod
    def bin_widths(self) -> np.ndarray:
        """(D,) width of one bin in action units: decode(encode(a)) is within half of it of clip(a)."""

    @abstractmethod
    def _encode(self, actions: np.ndarray) -> np.ndarray:
        """(..., D) finite float -> (..., D) int64 token ids."""

    @abstractmethod
    def _decode(self, tokens: np.ndarray) -> np.ndarray:
        """(..., D) valid int64 token ids -> (..., D) float."""

    @abstractmethod
    def _action_to_vector(self, action: Action) -> np.ndarray:
        """Action -> (D,) in this scheme's dimension order."""

    @abstractmethod
    def _vector_to_action(self, vector: np.ndarray) -> Action:
        """(D,) in this scheme's dimension order -> Action."""

    def encode(self, actions: Any) -> np.ndarray:
        """(..., D) float actions -> (..., D) int64 token ids; out-of-range values are clipped."""
        return self._encode(self._check_actions(actions))

    def decode(self, tokens: Any) -> np.ndarray:
        """(..., D) token ids -> (..., D) float actions (bin centres)."""
        return self._decode(self._check_tokens(tokens))

    def encode_action(self, action: Action) -> list[int]:
        return [int(token) for token in self.encode(self._action_to_vector(action))]

    def decode_action(self, tokens: Any) -> Action:
        tokens = self._check_tokens(tokens)
        if tokens.shape != (self.num_dimensions,):
            raise ValueError(f"decode_action takes one action's {self.num_dimensions} tokens; got shape {tokens.shape}")
        return self._vector_to_action(self._decode(tokens))

    def _where(self, position: tuple[int, ...]) -> str:
        index = position[0] if len(position) == 1 else position
        return f"position {index} (dimension '{self.dimensions[position[-1]]}')"

    def _check_shape(self, array: np.ndarray, what: str) -> None:
        if array.ndim == 0 or array.shape[-1] != self.num_dimensions:
            count = "a scalar" if array.ndim == 0 else f"{array.shape[-1]} per action (shape {array.shape})"
            raise ValueError(
                f"the {self.scheme} scheme takes {self.num_dimensions} {what} per action "
                f"({', '.join(self.dimensions)}); got {count}"
            )

    def _check_actions(self, actions: Any) -> np.ndarray:
        actions = np.asarray(actions, dtype=float)
        self._check_shape(actions, "values")
        bad = ~np.isfinite(actions)
        if bad.any():
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"action value at {self._where(position)} is {_shown(actions[position])}; actions must be finite"
            )
        return actions

    def _check_tokens(self, tokens: Any) -> np.ndarray:
        # Arrays (numpy, torch) keep their dtype; Python lists become object arrays so that a stray
        # string, None or bool is seen as such instead of being coerced along with its neighbours.
        array = np.asarray(tokens) if hasattr(tokens, "__array__") else np.asarray(tokens, dtype=object)
        self._check_shape(array, "tokens")
        if array.dtype.kind == "f":
            not_integral = ~np.isfinite(array) | (array != np.round(array))
        elif array.dtype.kind in "iu":
            not_integral = np.zeros(array.shape, dtype=bool)
        else:  # bool, str, object: look at each element
            not_integral = np.vectorize(lambda value: not _is_integral(value), otypes=[bool])(array)
        if not_integral.any():
            position = tuple(int(i) for i in np.argwhere(not_integral)[0])
            raise ValueError(f"token at {self._where(position)} is {_shown(array[position])}, not an integer")
        first, last = self.token_range
        outside = (array < first) | (array > last)
        if outside.any():
            position = tuple(int(i) for i in np.argwhere(outside)[0])
            raise ValueError(
                f"token at {self._where(position)} is {_shown(array[position])}, outside the {self.scheme} "
                f"action token range [{first}, {last}]"
            )
        return array.astype(np.int64)  # (..., D)


class RT2ActionTokenizer(ActionTokenizer):
    """RT-2: 8 dimensions, `num_bins` uniform bins per dimension over [low, high], token = bin + token_offset."""

    scheme = "rt2"
    dimensions = ACTION_DIMENSIONS

    def __init__(self, low: Any, high: Any, num_bins: int = DEFAULT_NUM_BINS, token_offset: int = 0) -> None:
        self.low = np.asarray(low, dtype=float)  # (8,) in ACTION_DIMENSIONS order
        self.high = np.asarray(high, dtype=float)  # (8,)
        if self.low.shape != (8,) or self.high.shape != (8,):
            raise ValueError(
                f"low and high need one value per dimension {ACTION_DIMENSIONS}; "
                f"got shapes {self.low.shape} and {self.high.shape}"
            )
        for index, name in enumerate(ACTION_DIMENSIONS):
            low_value, high_value = self.low[index], self.high[index]
            if not (np.isfinite(low_value) and np.isfinite(high_value) and low_value < high_value):
                raise ValueError(f"range of '{name}' is [{low_value}, {high_value}]; need finite low < high")
        if not _is_integral(num_bins) or num_bins < 2:
            raise ValueError(f"num_bins must be an integer >= 2; got {num_bins!r}")
        if not _is_integral(token_offset) or token_offset < 0:
            raise ValueError(f"token_offset must be an integer >= 0; got {token_offset!r}")
        self.num_bins = int(num_bins)
        self.token_offset = int(token_offset)

    @classmethod
    def from_config(cls, path: str | Path | None = None, token_offset: int = 0) -> "RT2ActionTokenizer":
        """Ranges and bin count from an action-space yaml (default: the package's config/action_space.yaml)."""
        import yaml

        path = Path(path) if path is not None else resource_path("config", "action_space.yaml")
        if not path.is_file():
            raise FileNotFoundError(f"action space file {path} not found")
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ValueError(f"action space file {path} is not valid YAML: {error}") from error
        space = document.get("action_space") if isinstance(document, dict) else None
        if not isinstance(space, dict) or not isinstance(space.get("ranges"), dict):
            raise ValueError(f"{path} needs an 'action_space:' mapping with 'ranges:' (one [low, high] per dimension)")
        ranges = space["ranges"]
        unknown = sorted(set(ranges) - set(ACTION_DIMENSIONS))
        missing = [name for name in ACTION_DIMENSIONS if name not in ranges]
        if unknown or missing:
            raise ValueError(f"{path} action_space.ranges: missing {missing}, unknown {unknown}")
        bounds = []
        for name in ACTION_DIMENSIONS:
            pair = ranges[name]
            if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(v, (int, float)) for v in pair):
                raise ValueError(f"{path} action_space.ranges.{name} must be [low, high]; got {pair!r}")
            bounds.append(pair)
        low, high = np.asarray(bounds, dtype=float).T  # (8,), (8,)
        try:
            return cls(low, high, space.get("num_bins", DEFAULT_NUM_BINS), token_offset)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error

    @property
    def token_range(self) -> tuple[int, int]:
        return self.token_offset, self.token_offset + self.num_bins - 1

    @property
    def action_low(self) -> np.ndarray:
        return self.low

    @property
    def action_high(self) -> np.ndarray:
        return self.high

    @property
    def bin_widths(self) -> np.ndarray:
        return (self.high - self.low) / self.num_bins

    def _encode(self, actions: np.ndarray) -> np.ndarray:
        fraction = (np.clip(actions, self.low, self.high) - self.low) / (self.high - self.low)  # (..., 8) in [0, 1]
        bins = np.minimum(np.floor(fraction * self.num_bins).astype(np.int64), self.num_bins - 1)  # (..., 8)
        return bins + self.token_offset

    def _decode(self, tokens: np.ndarray) -> np.ndarray:
        return self.low + (tokens - self.token_offset + 0.5) * self.bin_widths

    def _action_to_vector(self, action: Action) -> np.ndarray:
        return action.to_vector()

    def _vector_to_action(self, vector: np.ndarray) -> Action:
        return Action.from_vector(vector)


class OpenVLAActionTokenizer(ActionTokenizer):
    """OpenVLA: 7 dimensions, q01/q99 normalisation, `num_bins` edges over [-1, 1], token = vocab_size - bin."""

    scheme = "openvla"
    dimensions = OPENVLA_DIMENSIONS

    def __init__(
        self,
        vocab_size: int,
        statistics: ActionStatistics,
        num_bins: int = DEFAULT_NUM_BINS,
        gripper_open_is_one: bool = True,
    ) -> None:
        if not isinstance(statistics, ActionStatistics) or statistics.num_dimensions != 7:
            raise ValueError(f"OpenVLA statistics must be ActionStatistics of 7 dimensions {OPENVLA_DIMENSIONS}")
        if not _is_integral(num_bins) or num_bins < 3:
            raise ValueError(f"num_bins must be an integer >= 3; got {num_bins!r}")
        if not _is_integral(vocab_size) or vocab_size < num_bins:
            raise ValueError(f"vocab_size must be an integer >= num_bins ({num_bins}); got {vocab_size!r}")
        self.vocab_size = int(vocab_size)
        self.statistics = statistics
        self.num_bins = int(num_bins)
        # Dataset convention of the gripper value: True = 1 open, 0 closed (OpenVLA's RLDS data);
        # rt2_ros's Action.gripper is 0 open .. 1 closed.
        self.gripper_open_is_one = bool(gripper_open_is_one)
        self.edges = np.linspace(-1.0, 1.0, self.num_bins)  # (num_bins,)
        self.centres = (self.edges[:-1] + self.edges[1:]) / 2.0  # (num_bins - 1,)
        extremes = self._from_dataset(statistics.unnormalize(np.array([[-1.0] * 7, [1.0] * 7])))  # (2, 7)
        self._low, self._high = extremes.min(axis=0), extremes.max(axis=0)

    @classmethod
    def from_statistics_file(
        cls,
        path: str | Path,
        vocab_size: int,
        unnorm_key: str | None = None,
        num_bins: int = DEFAULT_NUM_BINS,
        gripper_open_is_one: bool = True,
    ) -> "OpenVLAActionTokenizer":
        return cls(vocab_size, load_dataset_statistics(path, unnorm_key), num_bins, gripper_open_is_one)

    @property
    def token_range(self) -> tuple[int, int]:
        return self.vocab_size - self.num_bins, self.vocab_size - 1

    @property
    def action_low(self) -> np.ndarray:
        return self._low

    @property
    def action_high(self) -> np.ndarray:
        return self._high

    @property
    def bin_widths(self) -> np.ndarray:
        # a normalised bin is 2 / (num_bins - 1) wide; un-normalising scales it by (q99 - q01) / 2
        span = self.statistics.q99 - self.statistics.q01  # (7,)
        return np.where(self.statistics.mask, span, 2.0) / (self.num_bins - 1)

    def _to_dataset(self, actions: np.ndarray) -> np.ndarray:
        """(..., 7) rt2_ros convention -> (..., 7) the checkpoint's dataset convention (gripper only)."""
        gripper = np.clip(actions[..., 6], 0.0, 1.0)
        dataset = actions.copy()
        dataset[..., 6] = 1.0 - gripper if self.gripper_open_is_one else gripper
        return dataset

    def _from_dataset(self, dataset: np.ndarray) -> np.ndarray:
        """(..., 7) dataset convention -> (..., 7) rt2_ros convention, gripper clipped to [0, 1]."""
        gripper = 1.0 - dataset[..., 6] if self.gripper_open_is_one else dataset[..., 6]
        actions = dataset.copy()
        actions[..., 6] = np.clip(gripper, 0.0, 1.0)
        return actions

    def _encode(self, actions: np.ndarray) -> np.ndarray:
        normalized = np.clip(self.statistics.normalize(self._to_dataset(actions)), -1.0, 1.0)  # (..., 7)
        bins = np.digitize(normalized, self.edges)  # (..., 7) in 1..num_bins
        return (self.vocab_size - bins).astype(np.int64)

    def _decode(self, tokens: np.ndarray) -> np.ndarray:
        intervals = np.clip(self.vocab_size - tokens - 1, 0, self.num_bins - 2)  # (..., 7) centre indices
        return self._from_dataset(self.statistics.unnormalize(self.centres[intervals]))

    def _action_to_vector(self, action: Action) -> np.ndarray:
        return action.to_vector()[1:]

    def _vector_to_action(self, vector: np.ndarray) -> Action:
        # No terminate token: the policy node ends such episodes (max_episode_steps or a new command).
        return Action(translation=vector[0:3], rotation=vector[3:6], gripper=vector[6], terminate=False)


def make_tokenizer(scheme: str, **kwargs: Any) -> ActionTokenizer:
    """`rt2`: RT2ActionTokenizer.from_config(**kwargs); `openvla`: OpenVLAActionTokenizer.from_statistics_file."""
    if scheme == "rt2":
        return RT2ActionTokenizer.from_config(**kwargs)
    if scheme == "openvla":
        return OpenVLAActionTokenizer.from_statistics_file(**kwargs)
    raise ValueError(f"unknown action token scheme {scheme!r}; expected 'rt2' or 'openvla'")
