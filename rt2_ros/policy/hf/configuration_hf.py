"""Configuration of the `hf` backend: a local transformers checkpoint with OpenVLA's action-token convention."""

from dataclasses import dataclass
from pathlib import Path

DEVICE_PREFIXES = ("cpu", "cuda")
DECODING_MODES = ("generate", "static", "parallel")
# OpenVLA's prompt; `{instruction}` is the lower-cased command.
OPENVLA_PROMPT = "In: What action should the robot take to {instruction}?\nOut:"


@dataclass
class HFPolicyConfig:
    # Checkpoint folder: config.json, *.safetensors, processor and tokenizer files, dataset_statistics.json.
    model_path: Path
    device: str = "cpu"  # cpu | cuda | cuda:N
    # Key of dataset_statistics.json to un-normalise with; '' picks the only one (an error if there are several).
    unnorm_key: str = ""
    # Run the checkpoint's own Python code (auto_map in config.json). Off unless the user sets it: that code runs
    # with the node's rights. Such checkpoints decode with 'generate' only.
    trust_remote_code: bool = False
    # Accept pickle (*.bin) weights when no *.safetensors exist. Loading a pickle can execute code; off by default.
    allow_pickle_weights: bool = False
    # generate: transformers' generate (dynamic cache), the reference; static: our greedy loop over a
    # preallocated KV cache restricted to the action tokens (the same tokens, faster); parallel: all action tokens
    # from one forward pass, only for checkpoints trained for parallel decoding.
    decoding: str = "static"
    compile: bool = False  # torch.compile the vision tower and the decode step (CUDA graphs on GPU); slow first steps
    prompt: str = OPENVLA_PROMPT  # must contain '{instruction}'
    # Fraction of the image area kept by a centre crop before resizing (OpenVLA: 0.9 for checkpoints trained with
    # random-crop augmentation, else 1.0 = no crop).
    center_crop_scale: float = 1.0
    num_bins: int = 256  # action tokens are the last num_bins ids of the vocabulary
    # The vocabulary size the action tokens count back from; 0 = the checkpoint's text vocab_size minus its
    # pad_to_multiple_of (OpenVLA-7B: 32064 - 64 = 32000).
    action_vocab_size: int = 0
    gripper_open_is_one: bool = True  # the checkpoint's data stores the gripper as 1 = open (OpenVLA's datasets)

    def __post_init__(self) -> None:
        self.model_path = Path(self.model_path).expanduser()
        device_kind, _, index = self.device.partition(":")
        if device_kind not in DEVICE_PREFIXES or (index and (device_kind != "cuda" or not index.isdigit())):
            raise ValueError(f"device {self.device!r}; expected cpu, cuda or cuda:N")
        if self.decoding not in DECODING_MODES:
            raise ValueError(f"decoding {self.decoding!r}; expected one of {DECODING_MODES}")
        if "{instruction}" not in self.prompt:
            raise ValueError(f"prompt {self.prompt!r} has no '{{instruction}}' placeholder")
        if not 0.1 <= self.center_crop_scale <= 1.0:
            raise ValueError(f"center_crop_scale {self.center_crop_scale}; expected a fraction of the area in [0.1, 1]")
        if self.num_bins < 3:
            raise ValueError(f"num_bins {self.num_bins}; expected at least 3")
        if self.action_vocab_size and self.action_vocab_size < self.num_bins:
            raise ValueError(f"action_vocab_size {self.action_vocab_size} is smaller than num_bins {self.num_bins}")

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("cuda")
