"""The tiny VLA: a conv image encoder conditioned on language, language-queried pointers, and a transformer
that decodes action tokens and answer tokens from one vocabulary (RT-2 in miniature).

    camera crop (3, S, S) ──conv stages, FiLM by the sentence (the roles, both)──► feature map (C, S/8, S/8)
        │                                                            │
        │                       pointers: "object" and "target" queries read from the instruction
        │                       attend over the map (a softmax over cells) → where (u, v) + what
        ▼                                                            ▼
    prefix = [image tokens (G²) | pointer tokens (2) | proprio token | language tokens (L)]   (bidirectional)
              (a pointer token also carries where its object is relative to the gripper)
    decode = [<act> | 8 action tokens]  or  [<answer> | answer tokens … <eos>]             (causal)

The pointers are the grounding: the instruction picks a cell of the map, so "the red block" is found wherever
it lies (the map is translation-equivariant), and questions like "where is the orange block?" train the same
pointer. A naive BC baseline that regressed positions from one pooled token learned only the average motion
(solved 0/30 in an early probe); here the spatial answer is a classification over cells.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import Tensor, nn

from rt2_ros.policy.tiny.configuration_tiny import (
    NUM_ACTION_TOKENS,
    NUM_NUMBER_TOKENS,
    POINTER_ROLES,
    PROPRIO_SIZE,
    WEIGHTS_FILE,
    TinyVLAConfig,
)

# Proprioception is centred and scaled to about unit range: ee x, y, z (m), quaternion, gripper closure.
PROPRIO_CENTER = (0.45, 0.0, 0.12, 0.0, 0.0, 0.0, 0.0, 0.5)
PROPRIO_SCALE = (0.2, 0.3, 0.1, 1.0, 1.0, 1.0, 1.0, 0.5)
FOURIER_FREQUENCIES = 8  # sin/cos features of a pointer's (u, v)
RELATIVE_SCALE = 0.1  # m: a pointed object's offset from the gripper, scaled to about unit range


class FiLMStage(nn.Module):
    """Conv (stride 2) → GroupNorm → GELU → conv → GroupNorm → FiLM(language) → GELU, with a residual."""

    def __init__(self, in_channels: int, out_channels: int, text_width: int) -> None:
        super().__init__()
        self.down = nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1)
        self.norm1 = nn.GroupNorm(4, out_channels)
        self.conv = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(4, out_channels)
        self.film = nn.Linear(text_width, 2 * out_channels)
        nn.init.zeros_(self.film.weight)  # starts as the identity: gamma = 1, beta = 0
        nn.init.zeros_(self.film.bias)

    def forward(self, x: Tensor, sentence: Tensor) -> Tensor:
        x = F.gelu(self.norm1(self.down(x)))  # (B, C, H/2, W/2)
        gamma, beta = self.film(sentence)[:, :, None, None].chunk(2, dim=1)  # (B, C, 1, 1) each
        return x + F.gelu(self.norm2(self.conv(x)) * (1 + gamma) + beta)


class Attention(nn.Module):
    def __init__(self, config: TinyVLAConfig) -> None:
        super().__init__()
        self.heads = config.num_heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.proj = nn.Linear(config.d_model, config.d_model)

    def forward(
        self, x: Tensor, mask: Tensor | None, past: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        batch, length, width = x.shape
        q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in self.qkv(x).split(width, dim=2))
        if past is not None:  # the KV cache: keys and values of every earlier position
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (B, h, T_past + T, hs)
        # In fp32 even under bf16 autocast (training's fast path): the softmax is where precision matters, and
        # on the CPU the bf16 attention's backward took 4x the fp32 one's time (measured: 28 vs 7 ms a step).
        with torch.autocast(x.device.type, enabled=False):
            y = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=mask)  # (B, h, T, hs)
        return self.proj(y.transpose(1, 2).reshape(batch, length, width)), (k, v)


class Block(nn.Module):
    def __init__(self, config: TinyVLAConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(config.d_model)
        self.attention = Attention(config)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(config.d_model, config.mlp_ratio * config.d_model),
            nn.GELU(),
            nn.Linear(config.mlp_ratio * config.d_model, config.d_model),
        )
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self, x: Tensor, mask: Tensor | None, past: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        attended, cache = self.attention(self.norm1(x), mask, past)
        x = x + self.dropout(attended)
        return x + self.dropout(self.mlp(self.norm2(x))), cache


@dataclass
class Pointing:
    """Where the pointers look: per role (object, target)."""

    logits: Tensor  # (B, R, H*W) cell scores (a softmax over cells is the pointer)
    uv: Tensor  # (B, R, 2) expected position in the model's square, fractions 0..1
    tokens: Tensor  # (B, R, d) what the transformer reads
    table_xyz: Tensor  # (B, R, 3) auxiliary: the pointed object's position on the table (m)
    yaw: Tensor  # (B, R, 2) auxiliary: (cos 4θ, sin 4θ) of the pointed object's yaw (a cube's symmetry)
    words: Tensor  # (B, R, L) which language tokens each role's query read (attention, averaged over heads)


@dataclass
class Prefix:
    tokens: Tensor  # (B, P, d)
    mask: Tensor  # (B, P) bool, real positions (padding of the language tokens is False)
    pointing: Pointing


def film_parts(config: TinyVLAConfig) -> dict[str, slice]:
    """The vectors FiLM reads and the columns of its input layer each one takes, in order."""
    widths = {"sentence": config.text_dim, "roles": len(POINTER_ROLES) * config.d_model}
    parts = ("sentence", "roles") if config.film_condition == "both" else (config.film_condition,)
    columns, start = {}, 0
    for part in parts:
        columns[part] = slice(start, start + widths[part])
        start += widths[part]
    return columns


class TinyVLA(nn.Module):
    def __init__(self, config: TinyVLAConfig) -> None:
        super().__init__()
        self.config = config
        c1, c2, c3 = config.channels
        d, text = config.d_model, config.text_dim
        # The vector FiLM reads: the instruction's mean-pooled words, the pointer roles' readings side by side, or both.
        self.film_columns = film_parts(config)
        width = max(columns.stop for columns in self.film_columns.values())
        self.sentence = nn.Sequential(nn.Linear(width, d), nn.GELU())
        self.stem = nn.Conv2d(5, c1, 3, padding=1)  # RGB + (u, v) coordinate channels
        self.stages = nn.ModuleList([FiLMStage(c1, c1, d), FiLMStage(c1, c2, d), FiLMStage(c2, c3, d)])
        self.image_proj = nn.Linear(c3, d)
        self.image_pos = nn.Parameter(torch.zeros(config.image_token_grid**2, d))
        # Pointers: a query per role read from the language tokens, scored against every cell's key.
        self.role_queries = nn.Parameter(torch.randn(len(POINTER_ROLES), d) * 0.02)
        self.role_attention = nn.MultiheadAttention(d, config.num_heads, batch_first=True)
        self.role_to_query = nn.Linear(d, c3)
        self.cell_keys = nn.Conv2d(c3, c3, 1)
        self.cell_offsets = nn.Conv2d(c3, 2, 1)  # sub-cell position of what a cell holds, in cells
        self.pointer_proj = nn.Linear(c3 + 4 * FOURIER_FREQUENCIES, d)
        self.role_embedding = nn.Parameter(torch.zeros(len(POINTER_ROLES), d))
        self.pointer_xyz = nn.Linear(d, 3)
        self.pointer_yaw = nn.Linear(d, 2)
        self.proprio = nn.Sequential(nn.Linear(PROPRIO_SIZE, d), nn.GELU(), nn.Linear(d, d))
        self.relative = nn.Sequential(nn.Linear(3, d), nn.GELU(), nn.Linear(d, d))
        self.text_proj = nn.Linear(text, d)
        self.text_pos = nn.Parameter(torch.zeros(config.max_text_tokens, d))
        self.token_embedding = nn.Embedding(config.vocab_size, d)
        self.decode_pos = nn.Parameter(torch.zeros(NUM_ACTION_TOKENS, d))
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.num_layers)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, config.vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight  # one vocabulary in and out
        self.register_buffer("proprio_center", torch.tensor(PROPRIO_CENTER), persistent=False)
        self.register_buffer("proprio_scale", torch.tensor(PROPRIO_SCALE), persistent=False)
        grid = config.feature_grid
        centres = (torch.arange(grid, dtype=torch.float32) + 0.5) / grid
        cell_v, cell_u = torch.meshgrid(centres, centres, indexing="ij")
        self.register_buffer("cell_uv", torch.stack([cell_u, cell_v], -1).reshape(-1, 2), persistent=False)  # (HW, 2)
        # Small embeddings (GPT-2's 0.02): with the head tied to them, N(0, 1) would start the logits at
        # ~sqrt(d) scale and the first steps' huge gradients would wreck the shared image features.
        for parameter in (self.image_pos, self.text_pos, self.decode_pos, self.role_embedding):
            nn.init.normal_(parameter, std=0.02)
        nn.init.normal_(self.token_embedding.weight, std=0.02)

    # -- the prefix: image, pointers, proprioception, language ------------------------------------------------
    def encode_prefix(self, images: Tensor, proprio: Tensor, text: Tensor, text_mask: Tensor) -> Prefix:
        """images (B, 3, S, S) uint8 or float 0..255; proprio (B, 8); text (B, L, 384); text_mask (B, L) bool."""
        config = self.config
        batch = images.shape[0]
        words = self.text_proj(text) + self.text_pos[: text.shape[1]]  # (B, L, d)
        queries = self.role_queries.expand(batch, -1, -1)  # (B, R, d)
        roles, read = self.role_attention(queries, words, words, key_padding_mask=~text_mask)  # (B, R, d), (B, R, L)
        parts = []
        if "sentence" in self.film_columns:
            weights = text_mask.float().unsqueeze(-1)  # (B, L, 1)
            parts.append((text * weights).sum(1) / weights.sum(1).clamp(min=1))  # (B, 384) mean-pooled words
        if "roles" in self.film_columns:
            parts.append(roles.flatten(1))  # (B, R*d): each role's words in its place
        sentence = self.sentence(torch.cat(parts, dim=-1))  # (B, d)
        x = images.float() / 255.0 - 0.5  # (B, 3, S, S)
        size = x.shape[-1]
        ramp = torch.linspace(-1, 1, size, device=x.device)
        coords = torch.stack(torch.meshgrid(ramp, ramp, indexing="ij")[::-1]).expand(batch, 2, size, size)
        x = self.stem(torch.cat([x, coords], dim=1))  # (B, c1, S, S)
        for stage in self.stages:
            x = stage(x, sentence)  # ... (B, c3, S/8, S/8)
        features = x
        pooled = F.adaptive_avg_pool2d(features, config.image_token_grid)  # (B, c3, G, G)
        image_tokens = self.image_proj(pooled.flatten(2).transpose(1, 2)) + self.image_pos  # (B, G², d)
        pointing = self.point(features, roles, read)
        proprio_token = self.proprio((proprio - self.proprio_center) / self.proprio_scale).unsqueeze(1)  # (B, 1, d)
        # Where each pointed object is relative to the gripper (m, from the image and the arm's own pose): the
        # quantity an end-effector delta is made of, given to the transformer instead of left to be derived.
        offset = (pointing.table_xyz - proprio[:, None, :3]) / RELATIVE_SCALE  # (B, R, 3)
        pointer_tokens = pointing.tokens + self.relative(offset)  # (B, R, d)
        tokens = torch.cat([image_tokens, pointer_tokens, proprio_token, words], dim=1)  # (B, P, d)
        fixed = torch.ones(batch, tokens.shape[1] - words.shape[1], dtype=torch.bool, device=tokens.device)
        return Prefix(tokens, torch.cat([fixed, text_mask], dim=1), pointing)

    def point(self, features: Tensor, roles: Tensor, read: Tensor) -> Pointing:
        """features (B, c3, H, W); roles (B, R, d) what each pointer role read of the words, read (B, R, L) where."""
        channels = features.shape[1]
        query = self.role_to_query(roles)  # (B, R, c3)
        keys = self.cell_keys(features).flatten(2)  # (B, c3, HW)
        logits = torch.einsum("brc,bch->brh", query, keys) / math.sqrt(channels)  # (B, R, HW)
        probabilities = logits.softmax(-1)
        grid = self.config.feature_grid
        offsets = 0.5 * torch.tanh(self.cell_offsets(features)).flatten(2).transpose(1, 2) / grid  # (B, HW, 2)
        cells = self.cell_uv + offsets  # (B, HW, 2)
        flat = features.flatten(2)  # (B, c3, HW)
        tokens = self.pointer_token(probabilities, cells, flat)  # (B, R, d)
        # The auxiliary heads say what the pointer points at; their losses do not move where it points (a
        # position regression in cm drowned the cell classification's gradient and froze the pointer).
        pointed_at = self.pointer_token(probabilities.detach(), cells, flat)
        uv = torch.einsum("brh,bhk->brk", probabilities, cells)  # (B, R, 2)
        return Pointing(logits, uv, tokens, self.pointer_xyz(pointed_at), self.pointer_yaw(pointed_at), read)

    def pointer_token(self, probabilities: Tensor, cells: Tensor, features: Tensor) -> Tensor:
        """(B, R, HW) pointer, (B, HW, 2) cell positions, (B, c3, HW) features -> (B, R, d) tokens."""
        uv = torch.einsum("brh,bhk->brk", probabilities, cells)  # (B, R, 2)
        attended = torch.einsum("brh,bch->brc", probabilities, features)  # (B, R, c3)
        return self.pointer_proj(torch.cat([attended, fourier(uv)], -1)) + self.role_embedding

    # -- the transformer ----------------------------------------------------------------------------------------
    def forward(self, prefix: Prefix, decode_inputs: Tensor) -> Tensor:
        """Teacher-forced logits (B, T, V) for decode_inputs (B, T): [mode token, y1 .. y_{T-1}]."""
        decode = self.token_embedding(decode_inputs) + self.decode_pos[: decode_inputs.shape[1]]  # (B, T, d)
        x = torch.cat([prefix.tokens, decode], dim=1)  # (B, P + T, d)
        mask = attention_mask(prefix.mask, decode_inputs.shape[1])  # (B, 1, P + T, P + T)
        for block in self.blocks:
            x, _ = block(x, mask)
        return self.head(self.norm(x[:, prefix.tokens.shape[1] :]))

    @torch.no_grad()
    def generate(self, prefix: Prefix, mode: int, length: int, allowed: slice | None = None) -> tuple[Tensor, Tensor]:
        """Greedy decoding of `length` tokens after the mode token, with a KV cache: (B, length) token ids and
        (B, length) the probability the model gave each chosen token (over the allowed ids).

        The prefix runs through the transformer once; each new token is one single-position step. `allowed`
        restricts the choice to a range of ids (actions: the number tokens).
        """
        mask = attention_mask(prefix.mask, 0)  # (B, 1, P, P)
        x, caches = prefix.tokens, []
        for block in self.blocks:
            x, cache = block(x, mask)
            caches.append(cache)
        batch = prefix.tokens.shape[0]
        token = torch.full((batch, 1), mode, dtype=torch.long, device=x.device)
        # Padded language positions stay masked for every decode step: (B, 1, 1, P + t).
        seen = prefix.mask[:, None, None, :]
        outputs, chances = [], []
        for position in range(length):
            x = self.token_embedding(token) + self.decode_pos[position]  # (B, 1, d)
            seen = torch.cat([seen, torch.ones(batch, 1, 1, 1, dtype=torch.bool, device=x.device)], dim=-1)
            for index, block in enumerate(self.blocks):
                x, caches[index] = block(x, seen, caches[index])
            logits = self.head(self.norm(x[:, -1]))  # (B, V)
            if allowed is not None:
                logits = logits[:, allowed]
            best, index = logits.max(-1, keepdim=True)  # (B, 1) each
            chances.append(torch.exp(best - logits.logsumexp(-1, keepdim=True)))  # softmax of the chosen token
            token = index + (allowed.start if allowed is not None else 0)  # (B, 1)
            outputs.append(token)
        return torch.cat(outputs, dim=1), torch.cat(chances, dim=1)

    def generate_action(self, prefix: Prefix) -> tuple[Tensor, Tensor]:
        """(B, 8) action tokens (number tokens 0..255, RT-2 order) and (B, 8) their probabilities."""
        return self.generate(prefix, self.config.special_id("<act>"), NUM_ACTION_TOKENS, slice(0, NUM_NUMBER_TOKENS))


def attention_mask(prefix_mask: Tensor, decode_length: int) -> Tensor:
    """(B, 1, P + T, P + T) bool, True = may attend: the prefix sees the whole (real) prefix; decode position t
    sees the prefix and decode positions <= t."""
    batch, prefix_length = prefix_mask.shape
    total = prefix_length + decode_length
    causal = torch.ones(total, total, dtype=torch.bool, device=prefix_mask.device).tril()
    causal[:, :prefix_length] = True  # everyone sees the prefix ...
    causal[:prefix_length, prefix_length:] = False  # ... and the prefix does not see the decode positions
    keys = torch.cat([prefix_mask, torch.ones(batch, decode_length, dtype=torch.bool, device=prefix_mask.device)], 1)
    return causal[None, None] & keys[:, None, None, :]


def fourier(uv: Tensor) -> Tensor:
    """(..., 2) in 0..1 -> (..., 4F) sin/cos features at octave frequencies."""
    frequencies = 2.0 ** torch.arange(FOURIER_FREQUENCIES, device=uv.device) * math.pi  # (F,)
    angles = uv.unsqueeze(-1) * frequencies  # (..., 2, F)
    return torch.cat([angles.sin(), angles.cos()], dim=-1).flatten(-2)


class ActionGraph(nn.Module):
    """One policy step as one graph: the prefix, 8 cached decoding steps, and where the pointers look. What the
    torch runtime calls, and what the ONNX file is exported from (runtime_onnx.py)."""

    def __init__(self, model: TinyVLA) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, images: Tensor, proprio: Tensor, text: Tensor, text_mask: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """(B, 8) action tokens, (B, 8) their probabilities, (B, R, HW) each pointer's distribution over cells."""
        prefix = self.model.encode_prefix(images, proprio, text, text_mask)
        tokens, chances = self.model.generate_action(prefix)
        return tokens, chances, prefix.pointing.logits.softmax(-1)


# -- checkpoints ----------------------------------------------------------------------------------------------------

SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "checkpoint"  # the model trained here (see its README.md)


def load_model(folder: Path, device: str = "cpu") -> TinyVLA:
    """A checkpoint folder's model in eval mode; FileNotFoundError / ValueError naming what is wrong.

    Weights are read with safetensors only (no pickle): a corrupt or truncated file, or one whose tensors do
    not fit the config, is refused with the reason.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"tiny VLA checkpoint {folder} is not a folder")
    config = TinyVLAConfig.load(folder)
    weights_path = folder / WEIGHTS_FILE
    if not weights_path.is_file():
        raise FileNotFoundError(f"tiny VLA checkpoint {folder} has no {WEIGHTS_FILE}")
    try:
        weights = load_file(weights_path)
    except Exception as error:  # safetensors raises its own SafetensorError on a bad header or short file
        raise ValueError(f"{weights_path} is not a readable safetensors file: {error}") from error
    if "token_embedding.weight" in weights:
        weights["head.weight"] = weights["token_embedding.weight"]  # tied, stored once
    model = TinyVLA(config)
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        raise ValueError(f"{weights_path} does not fit its config.json: {error}") from error
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} asked for, but torch sees no CUDA device")
    return model.to(device).eval()
