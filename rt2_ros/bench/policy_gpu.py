"""`rt2-ros bench policy --gpu`: an OpenVLA-7B-shaped model, plain transformers `generate` vs our decoding.

The model is built from configs with random weights (bf16 on a GPU, batch 1): SigLIP-so400m (26 layers, the
output OpenVLA reads is the 27-layer tower's second-to-last) and DINOv2-L towers at 224 px, fused
channel-wise (256 patches each) and projected by OpenVLA's three-layer GELU MLP into a Llama-2-7B-sized
language model; the sequence is BOS + 256 image tokens + a 19-token prompt, then 7 greedy action tokens
restricted to the vocabulary's last 256 ids. Three paths on the same inputs, in the same run:

- plain: eager vision towers + `generate` with the default dynamic cache (transformers as it comes);
- static: compiled vision towers + rt2_ros's decoding (modeling_hf.ActionDecoder 'static': one prefill into
  a static KV cache, single-token steps compiled with CUDA graphs, only the action rows of the LM head);
- parallel: compiled vision towers + all 7 action tokens from one forward pass (needs a checkpoint trained
  for it; timing only here).

`--tiny` shrinks every shape (a smoke run that works on a CPU, where nothing is compiled). Random weights,
so the tokens mean nothing; the per-step agreement of plain and static tokens is printed as a check.
Numbers only; nothing here asserts on time.
"""

import argparse
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from transformers import Dinov2Config, Dinov2Model, LlamaConfig, LlamaForCausalLM, SiglipVisionConfig, SiglipVisionModel

from rt2_ros.bench import write_json
from rt2_ros.policy.hf.modeling_hf import NUM_ACTION_TOKENS, ActionDecoder, model_dtype

NUM_BINS = 256
BOS_ID = 1


@dataclass
class ModelShapes:
    siglip: dict = field(default_factory=dict)  # SiglipVisionConfig arguments
    dinov2: dict = field(default_factory=dict)  # Dinov2Config arguments
    llama: dict = field(default_factory=dict)  # LlamaConfig arguments
    prompt_tokens: int = 19  # text after the image tokens


OPENVLA_7B = ModelShapes(
    siglip={
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "num_hidden_layers": 26,
        "num_attention_heads": 16,
        "image_size": 224,
        "patch_size": 14,
    },
    dinov2={
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "image_size": 224,
        "patch_size": 14,
    },
    llama={
        "vocab_size": 32064,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "max_position_embeddings": 2048,
    },
)
TINY = ModelShapes(
    siglip={
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": 224,
        "patch_size": 14,
    },
    dinov2={"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "image_size": 224, "patch_size": 14},
    llama={
        "vocab_size": 512,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "max_position_embeddings": 512,
    },
)


class FusedVision(nn.Module):
    """OpenVLA's Prismatic vision: SigLIP and DINOv2 patch features side by side, MLP-projected to the LM width."""

    def __init__(self, shapes: ModelShapes) -> None:
        super().__init__()
        self.siglip = SiglipVisionModel(SiglipVisionConfig(**shapes.siglip))
        self.dinov2 = Dinov2Model(Dinov2Config(**shapes.dinov2))
        fused = shapes.siglip["hidden_size"] + shapes.dinov2["hidden_size"]
        width = shapes.llama["hidden_size"]
        self.projector = nn.Sequential(
            nn.Linear(fused, 4 * fused), nn.GELU(), nn.Linear(4 * fused, width), nn.GELU(), nn.Linear(width, width)
        )

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(1, 3, 224, 224) -> (1, 256, width) image token embeddings."""
        siglip = self.siglip(pixel_values=pixel_values).last_hidden_state  # (1, 256, 1152)
        dinov2 = self.dinov2(pixel_values=pixel_values).last_hidden_state[:, 1:]  # (1, 256, 1024), CLS dropped
        return self.projector(torch.cat([siglip, dinov2], dim=-1))  # (1, 256, width)


@contextmanager
def default_dtype(dtype: torch.dtype):
    """Build parameters directly in `dtype` (a 7B model built in fp32 first would need twice the memory)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def build(shapes: ModelShapes, device: str, dtype: torch.dtype) -> tuple[FusedVision, LlamaForCausalLM]:
    torch.manual_seed(0)
    with default_dtype(dtype), torch.device(device):
        vision = FusedVision(shapes).eval()
        language_model = LlamaForCausalLM(
            LlamaConfig(bos_token_id=BOS_ID, eos_token_id=2, pad_token_id=0, **shapes.llama)
        )
    language_model.generation_config.pad_token_id = 0
    return vision, language_model.eval()


def synchronise(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(args: argparse.Namespace) -> int:
    tiny, quick = bool(getattr(args, "tiny", False)), bool(getattr(args, "quick", False))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not tiny:
        print("rt2-ros bench policy --gpu: no CUDA device here; run it on a GPU, or add --tiny for a CPU smoke run")
        return 2
    shapes = TINY if tiny else OPENVLA_7B
    dtype = model_dtype(device)
    vision, language_model = build(shapes, device, dtype)
    compile = device == "cuda"  # compiling on a CPU takes minutes and proves nothing about the GPU path
    try:
        timings, tokens = measure(vision, language_model, shapes, device, dtype, compile, quick)
    except Exception as error:  # torch.compile on a torch/transformers pair this was not run with
        if not compile:
            raise
        print(f"compiled paths failed ({type(error).__name__}: {error}); measuring them uncompiled instead")
        compile = False
        timings, tokens = measure(vision, language_model, shapes, device, dtype, compile, quick)
    results = summarise(timings, tokens, shapes, device, dtype, language_model, compile)
    print_table(results)
    write_json(args, "policy_gpu", results)
    return 0


def measure(vision, language_model, shapes, device, dtype, compile, quick) -> tuple[dict, dict]:
    """Per path: vision and language-model milliseconds per timed step, and the tokens of each step."""
    vocab_size = shapes.llama["vocab_size"] - (64 if shapes is OPENVLA_7B else 0)  # OpenVLA: 32064 padded, 32000 ids
    first_id = vocab_size - NUM_BINS
    fast_vision = torch.compile(vision) if compile else vision
    decoders = {
        "plain": (vision, ActionDecoder(language_model, first_id, NUM_BINS, "generate")),
        "static": (fast_vision, ActionDecoder(language_model, first_id, NUM_BINS, "static", compile=compile)),
        "parallel": (fast_vision, ActionDecoder(language_model, first_id, NUM_BINS, "parallel")),
    }
    generator = torch.Generator().manual_seed(1)
    prompt = torch.cat(
        [torch.tensor([BOS_ID]), torch.randint(5, first_id, (shapes.prompt_tokens,), generator=generator)]
    ).to(device)[None]  # (1, 1 + prompt_tokens)
    size = shapes.siglip["image_size"]
    warmup, steps = (2, 5) if quick else (5, 30)
    images = [torch.randn(1, 3, size, size, generator=generator).to(device, dtype) for _ in range(warmup + steps)]
    timings = {name: {"vision": [], "language": []} for name in decoders}
    tokens = {name: [] for name in decoders}
    with torch.inference_mode():
        embed = language_model.get_input_embeddings()
        for index, pixel_values in enumerate(images):
            for name, (vision_model, decoder) in decoders.items():
                synchronise(device)
                start = time.perf_counter()
                image_embeds = vision_model(pixel_values)  # (1, 256, H)
                synchronise(device)
                middle = time.perf_counter()
                # (1, T, H): BOS, image, prompt, as OpenVLA orders them
                embeds = torch.cat([embed(prompt[:, :1]), image_embeds, embed(prompt[:, 1:])], dim=1)
                step_tokens = decoder({"inputs_embeds": embeds})  # (7,)
                synchronise(device)
                end = time.perf_counter()
                if index >= warmup:
                    timings[name]["vision"].append((middle - start) * 1e3)
                    timings[name]["language"].append((end - middle) * 1e3)
                    tokens[name].append(step_tokens.tolist())
    return timings, tokens


def summarise(timings, tokens, shapes, device, dtype, language_model, compile) -> dict:
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    results: dict = {
        "device": name,
        "dtype": str(dtype).removeprefix("torch."),
        "model": "tiny" if shapes is TINY else "OpenVLA-7B-shaped (SigLIP-so400m + DINOv2-L, Llama-2-7B)",
        "sequence": 1 + shapes.siglip["image_size"] ** 2 // shapes.siglip["patch_size"] ** 2 + shapes.prompt_tokens,
        "attention": language_model.config._attn_implementation,
        "compiled": compile,
        "torch": torch.__version__,
        "steps": len(tokens["plain"]),
    }
    for path, parts in timings.items():
        total = np.add(parts["vision"], parts["language"])
        results[path] = {
            "vision_p50_ms": float(np.percentile(parts["vision"], 50)),
            "language_p50_ms": float(np.percentile(parts["language"], 50)),
            "total_p50_ms": float(np.percentile(total, 50)),
            "total_p99_ms": float(np.percentile(total, 99)),
        }
    for path in timings:
        results[path]["speedup_vs_plain"] = results["plain"]["total_p50_ms"] / results[path]["total_p50_ms"]
    same = [a == b for a, b in zip(tokens["plain"], tokens["static"], strict=True)]
    results["static_tokens_equal_plain"] = f"{sum(same)}/{len(same)} steps"
    return results


def print_table(results: dict) -> None:
    import transformers

    print(
        f"{results['model']}, batch 1, {results['dtype']}, {results['sequence']} positions + "
        f"{NUM_ACTION_TOKENS} action tokens on {results['device']}"
    )
    print(
        f"torch {results['torch']}, transformers {transformers.__version__}, attention {results['attention']}, "
        f"compiled: {results['compiled']}"
    )
    print(f"{'path':<10}{'vision p50':>12}{'LM p50':>10}{'step p50':>10}{'step p99':>10}{'Hz':>8}{'speed-up':>10}")
    for path in ("plain", "static", "parallel"):
        row = results[path]
        print(
            f"{path:<10}{row['vision_p50_ms']:>10.2f}ms{row['language_p50_ms']:>8.2f}ms{row['total_p50_ms']:>8.2f}ms"
            f"{row['total_p99_ms']:>8.2f}ms{1e3 / row['total_p50_ms']:>8.1f}{row['speedup_vs_plain']:>9.2f}x"
        )
    agreement = results["static_tokens_equal_plain"]
    print(f"static decoding gave the plain path's tokens in {agreement} ({results['steps']} timed)")
