"""A small, randomly initialised OpenVLA-convention checkpoint, so the `hf` backend runs without downloads.

A built-in transformers architecture (LlavaForConditionalGeneration: a SigLIP vision tower, an MLP
projector, a Llama language model), a byte-level tokenizer built offline whose last 256 ids are the
action tokens `<action_0>`..`<action_255>`, a LlavaProcessor, a generation config and a
`dataset_statistics.json` spanning the robot's per-step action range. Saved with safetensors; it produces
random (but valid, bounded) actions.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import (
    GenerationConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaProcessor,
    PreTrainedTokenizerFast,
    SiglipImageProcessorPil,
    SiglipVisionConfig,
)

from rt2_ros.policy.hf.processing_hf import STATISTICS_FILE

SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<pad>", "<image>")  # ids 0..4
UNK_ID, BOS_ID, EOS_ID, PAD_ID, IMAGE_ID = range(len(SPECIAL_TOKENS))
NUM_ACTION_TOKENS = 256
STATISTICS_KEY = "rt2_sim"
# q01/q99 of the robot's per-step action range (the safety limits), gripper (dataset convention 1 = open) not
# normalised, as in OpenVLA's released statistics.
ACTION_STATISTICS = {
    "q01": [-0.05, -0.05, -0.05, -0.25, -0.25, -0.25, 0.0],
    "q99": [0.05, 0.05, 0.05, 0.25, 0.25, 0.25, 1.0],
    "mask": [True, True, True, True, True, True, False],
}


@dataclass
class CheckpointShape:
    image_size: int = 224  # px, square
    patch_size: int = 16  # (image_size / patch_size)^2 image tokens
    vision_hidden: int = 32
    vision_layers: int = 2
    vision_heads: int = 2
    text_hidden: int = 64
    text_layers: int = 2
    text_heads: int = 4

    def __post_init__(self) -> None:
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        for hidden, heads, name in (
            (self.vision_hidden, self.vision_heads, "vision"),
            (self.text_hidden, self.text_heads, "text"),
        ):
            if hidden % heads:
                raise ValueError(f"{name} hidden size {hidden} is not a multiple of its {heads} heads")

    @property
    def image_tokens(self) -> int:
        return (self.image_size // self.patch_size) ** 2


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Byte-level BPE without merges (any text encodes), specials first, the 256 action tokens last."""
    byte_symbols = sorted(pre_tokenizers.ByteLevel.alphabet())  # 256 printable stand-ins for the bytes
    names = [*SPECIAL_TOKENS, *byte_symbols, *(f"<action_{index}>" for index in range(NUM_ACTION_TOKENS))]
    backend = Tokenizer(
        models.BPE(vocab={name: index for index, name in enumerate(names)}, merges=[], unk_token="<unk>")
    )
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.add_special_tokens([AddedToken(name, special=True) for name in SPECIAL_TOKENS])
    backend.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", BOS_ID)])
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": "<image>"},
    )


def build_config(shape: CheckpointShape, vocab_size: int) -> LlavaConfig:
    vision = SiglipVisionConfig(
        hidden_size=shape.vision_hidden,
        intermediate_size=4 * shape.vision_hidden,
        num_hidden_layers=shape.vision_layers,
        num_attention_heads=shape.vision_heads,
        image_size=shape.image_size,
        patch_size=shape.patch_size,
    )
    text = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=shape.text_hidden,
        intermediate_size=4 * shape.text_hidden,
        num_hidden_layers=shape.text_layers,
        num_attention_heads=shape.text_heads,
        num_key_value_heads=shape.text_heads,
        max_position_embeddings=max(512, 2 * shape.image_tokens),
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
        pad_token_id=PAD_ID,
    )
    return LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_id=IMAGE_ID,
        image_seq_length=shape.image_tokens,
        vision_feature_select_strategy="full",  # SigLIP has no CLS token to drop
        vision_feature_layer=-1,
        projector_hidden_act="gelu",
        tie_word_embeddings=False,
    )


def write_random_checkpoint(path: Path, shape: CheckpointShape | None = None, seed: int = 0) -> Path:
    """Write the checkpoint into `path` (created; must be empty or absent) and return it."""
    shape = shape or CheckpointShape()
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty; choose a new folder")
    path.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer()
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(build_config(shape, len(tokenizer))).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=BOS_ID, eos_token_id=EOS_ID, pad_token_id=PAD_ID, do_sample=False
    )
    model.save_pretrained(path, safe_serialization=True)
    image_processor = SiglipImageProcessorPil(size={"height": shape.image_size, "width": shape.image_size})
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=shape.patch_size,
        vision_feature_select_strategy="full",
        image_token="<image>",
    )
    processor.save_pretrained(path)
    statistics = {STATISTICS_KEY: {"action": ACTION_STATISTICS, "num_transitions": 0, "num_trajectories": 0}}
    (path / STATISTICS_FILE).write_text(json.dumps(statistics, indent=2), encoding="utf-8")
    return path
