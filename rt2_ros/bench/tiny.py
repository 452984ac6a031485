"""Training throughput of the tiny VLA on this machine: forward + backward + AdamW on batches of its real shapes.

Random inputs of the sizes training feeds (the camera crop, proprioception, 24 language tokens, 8 decode
positions); the data pipeline is not included. Numbers only.
"""

import time

import torch

from rt2_ros.policy.tiny.configuration_tiny import NUM_ACTION_TOKENS, TinyVLAConfig
from rt2_ros.policy.tiny.modeling_tiny import TinyVLA

BATCH = 64  # config/train/tiny_vla.yaml's per-process batch


def training_throughput(config: TinyVLAConfig, steps: int, batch: int = BATCH) -> dict:
    """{'train_samples_per_s', 'train_batch', 'train_steps', 'parameters'} after 3 warm-up steps."""
    model = TinyVLA(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    size = config.image_size
    images = torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8)  # (B, 3, S, S)
    proprio = torch.randn(batch, 8)
    text = torch.randn(batch, config.max_text_tokens, config.text_dim)  # (B, L, 384)
    text_mask = torch.ones(batch, config.max_text_tokens, dtype=torch.bool)
    decode = torch.randint(0, 256, (batch, NUM_ACTION_TOKENS))  # (B, 8)
    elapsed = 0.0
    for step in range(steps + 3):
        started = time.perf_counter()
        prefix = model.encode_prefix(images, proprio, text, text_mask)
        logits = model(prefix, decode)  # (B, 8, V)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), decode.flatten()) + prefix.pointing.logits.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step >= 3:
            elapsed += time.perf_counter() - started
    return {
        "train_samples_per_s": steps * batch / elapsed,
        "train_batch": batch,
        "train_steps": steps,
        "parameters": sum(parameter.numel() for parameter in model.parameters()),
    }
