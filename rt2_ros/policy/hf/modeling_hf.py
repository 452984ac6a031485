"""The `hf` backend: a local transformers vision-to-text checkpoint emitting OpenVLA action tokens.

One step: camera frame -> pixel values -> [BOS, image tokens, prompt] -> 7 greedy action tokens (the
vocabulary's last 256 ids) -> un-normalised Action. Three ways to get the tokens (HFPolicyConfig.decoding):

- `generate`: transformers' `generate` with its default dynamic cache, the reference;
- `static`: our greedy loop: one prefill into a preallocated (static) KV cache, then one single-token
  forward per action token, scoring only the action-token rows of the LM head. Same tokens as `generate`
  (tested), no per-step allocation; with `compile` the single-token step runs as a CUDA graph;
- `parallel`: all action tokens from one forward pass over the prompt plus placeholder tokens, for
  checkpoints trained that way (OpenVLA-OFT style); on other checkpoints its tokens are meaningless.

With OpenVLA's layout only BOS precedes the image, so there is no text prefix whose KV could be reused
across steps; what stays fixed per episode (the tokenised prompt, the cache buffers) is built once.
"""

import inspect
from typing import Any

import numpy as np
import torch
from transformers import AutoModelForImageTextToText, AutoProcessor, LogitsProcessor, StaticCache

from rt2_ros.actions.action import Action
from rt2_ros.actions.tokenizer import OPENVLA_DIMENSIONS
from rt2_ros.policy.base import Observation, Policy, PolicyStep
from rt2_ros.policy.hf.configuration_hf import HFPolicyConfig
from rt2_ros.policy.hf.processing_hf import (
    ImagePreprocessor,
    action_vocab_size,
    check_checkpoint,
    format_prompt,
    load_action_tokenizer,
)

NUM_ACTION_TOKENS = len(OPENVLA_DIMENSIONS)


def model_dtype(device: str) -> torch.dtype:
    """bf16 on GPUs that have it, else fp16; fp32 on CPU (CPU bf16 matmuls are slow and lossy)."""
    if not device.startswith("cuda"):
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def load_model(config: HFPolicyConfig) -> tuple[torch.nn.Module, Any]:
    """(model in eval mode on config.device, processor) through from_pretrained; errors name the path."""
    check_checkpoint(config.model_path, config.allow_pickle_weights)
    if config.on_gpu and not torch.cuda.is_available():
        raise RuntimeError(f"device {config.device!r} asked for, but torch sees no CUDA device")
    path = str(config.model_path)
    try:
        processor = AutoProcessor.from_pretrained(path, trust_remote_code=config.trust_remote_code)
        model = AutoModelForImageTextToText.from_pretrained(
            path,
            dtype=model_dtype(config.device),
            use_safetensors=None if config.allow_pickle_weights else True,
            trust_remote_code=config.trust_remote_code,
            attn_implementation="sdpa",
        )
    except (OSError, ValueError, KeyError) as error:
        raise RuntimeError(f"cannot load the checkpoint in {path}: {error}") from error
    return model.to(config.device).eval(), processor


class ActionTokensOnly(LogitsProcessor):
    """Greedy decoding restricted to the action tokens: every other id scores -inf."""

    def __init__(self, first_id: int, count: int) -> None:
        self.first_id, self.count = first_id, count

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        kept = slice(self.first_id, self.first_id + self.count)
        restricted = torch.full_like(scores, float("-inf"))  # (B, V)
        restricted[:, kept] = scores[:, kept]
        return restricted


def _accepts(function: Any, name: str) -> bool:
    return name in inspect.signature(function).parameters


class ActionDecoder:
    """Action token ids from model inputs, by one of the three decoding modes (see the module docstring).

    `model` is a transformers generation model (`generate`, `get_output_embeddings`) whose `.model` is its
    base model: LlavaForConditionalGeneration fed input_ids + pixel_values, or a *ForCausalLM fed
    inputs_embeds (the GPU benchmark, whose vision towers run outside).
    """

    def __init__(self, model: torch.nn.Module, first_id: int, num_bins: int, mode: str, compile: bool = False) -> None:
        if mode != "generate" and not isinstance(getattr(model, "model", None), torch.nn.Module):
            raise ValueError(f"decoding {mode!r} needs a built-in transformers model (model.model); use generate")
        self.model, self.first_id, self.num_bins, self.mode = model, first_id, num_bins, mode
        # transformers renamed `past_key_values` to `cache` in 5.2x; accept either.
        base = getattr(model, "model", model)
        self.cache_keyword = "cache" if _accepts(base.forward, "cache") else "past_key_values"
        self.compiled = compile
        self.pad_id = int(getattr(model.generation_config, "pad_token_id", None) or 0)
        self._cache: StaticCache | None = None
        self._cache_length = 0
        self._decode_step = (
            torch.compile(self._next_token, mode="reduce-overhead", fullgraph=False) if compile else self._next_token
        )

    @torch.inference_mode()
    def __call__(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """(NUM_ACTION_TOKENS,) int64 token ids for inputs of batch 1 (input_ids (1, T), pixel_values, ...)."""
        if self.mode == "generate":
            return self.generate(inputs)
        if self.mode == "parallel":
            return self.parallel(inputs)
        return self.static(inputs)

    def generate(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        output = self.model.generate(
            **inputs,
            max_new_tokens=NUM_ACTION_TOKENS,
            min_new_tokens=NUM_ACTION_TOKENS,
            do_sample=False,
            num_beams=1,
            logits_processor=[ActionTokensOnly(self.first_id, self.num_bins)],
            pad_token_id=self.pad_id,
        )  # (1, T + NUM_ACTION_TOKENS)
        return output[0, -NUM_ACTION_TOKENS:]

    def _restricted_argmax(self, hidden: torch.Tensor) -> torch.Tensor:
        """(1, n, H) last hidden states -> (1, n) action token ids, scoring only the action rows of the LM head."""
        head = self.model.get_output_embeddings().weight[self.first_id : self.first_id + self.num_bins]  # (bins, H)
        return (hidden @ head.T).argmax(-1) + self.first_id  # (1, n)

    def _forward(self, position_ids: torch.Tensor, **inputs: Any) -> torch.Tensor:
        """Last-layer hidden states (1, n, H) of the base model for `inputs`, writing into the static cache."""
        inputs.pop("attention_mask", None)  # the static cache's causal mask follows position_ids
        cache = {self.cache_keyword: self._cache}
        return self.model.model(position_ids=position_ids, use_cache=True, **cache, **inputs).last_hidden_state

    def _next_token(self, token: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
        """(1, 1) token at (1, 1) position -> (1, 1) next action token."""
        return self._restricted_argmax(self._forward(position, input_ids=token))

    def _fresh_cache(self, length: int) -> None:
        if self._cache is not None and self._cache_length == length:
            self._cache.reset()
            return
        self._cache = StaticCache(config=self.model.config, max_cache_len=length)
        self._cache_length = length

    def static(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        prompt = inputs["input_ids"] if "input_ids" in inputs else inputs["inputs_embeds"]  # (1, T) or (1, T, H)
        prompt_length, device = prompt.shape[1], prompt.device
        self._fresh_cache(prompt_length + NUM_ACTION_TOKENS)
        positions = torch.arange(prompt_length + NUM_ACTION_TOKENS, device=device)[None]  # (1, T + 7)
        hidden = self._forward(positions[:, :prompt_length], **inputs)[:, -1:]  # (1, 1, H) prefill
        tokens = [self._restricted_argmax(hidden)]  # each (1, 1)
        for index in range(1, NUM_ACTION_TOKENS):
            position = positions[:, prompt_length + index - 1 : prompt_length + index]  # (1, 1)
            if self.compiled:  # a new CUDA-graph step: the previous replay's output buffer may be reused
                torch.compiler.cudagraph_mark_step_begin()
            tokens.append(self._decode_step(tokens[-1], position).clone())  # clone: outlive the graph's buffer
        return torch.cat(tokens, dim=1)[0]  # (7,)

    def parallel(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        extended = {name: value for name, value in inputs.items() if name != "attention_mask"}
        if "input_ids" in inputs:
            input_ids = inputs["input_ids"]  # (1, T)
            placeholders = torch.full_like(input_ids[:, :1], self.pad_id).expand(1, NUM_ACTION_TOKENS)  # (1, 7)
            extended["input_ids"] = torch.cat([input_ids, placeholders], dim=1)  # (1, T + 7)
        else:
            embeds = inputs["inputs_embeds"]  # (1, T, H)
            pad = self.model.get_input_embeddings()(torch.tensor([[self.pad_id]], device=embeds.device))  # (1, 1, H)
            pads = pad.expand(1, NUM_ACTION_TOKENS, -1)  # (1, 7, H)
            extended["inputs_embeds"] = torch.cat([embeds, pads], dim=1)  # (1, T + 7, H)
        hidden = self.model.model(**extended).last_hidden_state[:, -NUM_ACTION_TOKENS:]  # (1, 7, H)
        return self._restricted_argmax(hidden)[0]  # (7,)


def compile_vision_tower(model: torch.nn.Module) -> None:
    """torch.compile the vision tower in place, if the model has one (model.model.vision_tower, as Llava).

    Its input shape is fixed by the image processor, so it compiles once; the GPU benchmark's vision towers
    are compiled the same way (default mode: the language model's CUDA-graphed decode step stays the only
    CUDA graph).
    """
    tower = getattr(getattr(model, "model", None), "vision_tower", None)
    if isinstance(tower, torch.nn.Module):
        tower.compile()


class HFPolicy(Policy):
    """A transformers checkpoint with OpenVLA's action-token convention behind the Policy interface."""

    token_scheme = "openvla"

    def __init__(self, config: HFPolicyConfig) -> None:
        self.config = config
        self.model, self.processor = load_model(config)
        vocab_size = action_vocab_size(self.model.config, config.action_vocab_size)
        self.tokenizer = load_action_tokenizer(
            config.model_path, config.unnorm_key, vocab_size, config.num_bins, config.gripper_open_is_one
        )
        first_id = self.tokenizer.token_range[0]
        self.decoder = ActionDecoder(self.model, first_id, config.num_bins, config.decoding, config.compile)
        if config.compile:
            compile_vision_tower(self.model)
        self.image_preprocessor = ImagePreprocessor.from_image_processor(
            self.processor.image_processor, config.center_crop_scale
        )
        self.dtype = next(self.model.parameters()).dtype
        self._prompt_inputs: dict[str, torch.Tensor] = {}
        self._prompt_instruction: str | None = None

    def reset(self) -> None:
        self._prompt_instruction = None

    def prompt_inputs(self, instruction: str) -> dict[str, torch.Tensor]:
        """input_ids (1, T) (and attention_mask) of [BOS, image tokens, prompt]; built once per instruction."""
        if instruction != self._prompt_instruction:
            image_token = getattr(self.processor, "image_token", "") or ""
            text = image_token + format_prompt(self.config.prompt, instruction)
            size = (self.image_preprocessor.height, self.image_preprocessor.width, 3)
            encoded = self.processor(text=text, images=np.zeros(size, np.uint8), return_tensors="pt")
            self._prompt_inputs = {
                name: value.to(self.config.device)
                for name, value in encoded.items()
                if name in ("input_ids", "attention_mask")
            }
            self._prompt_instruction = instruction
        return self._prompt_inputs

    def preprocess(self, observation: Observation) -> dict[str, torch.Tensor]:
        """Model inputs of batch 1: the cached prompt tokens and this frame's pixel_values (1, 3, h, w)."""
        pixels = torch.from_numpy(self.image_preprocessor(observation.image))[None]  # (1, 3, h, w) float32
        pixel_values = pixels.to(self.config.device, dtype=self.dtype, non_blocking=True)
        return {**self.prompt_inputs(observation.instruction), "pixel_values": pixel_values}

    def infer(self, inputs: dict[str, torch.Tensor]) -> list[int]:
        return [int(token) for token in self.decoder(inputs).cpu()]

    def decode(self, tokens: list[int]) -> Action:
        return self.tokenizer.decode_action(tokens)

    def act(self, observation: Observation) -> PolicyStep:
        tokens = self.infer(self.preprocess(observation))
        return PolicyStep(tokens=tokens, action=self.decode(tokens))
