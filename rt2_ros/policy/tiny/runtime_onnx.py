"""The tiny VLA's policy step as one ONNX graph, run by ONNX Runtime: the fast CPU path of the `tiny` backend.

Eager torch spends most of the tiny model's step in Python and operator dispatch (a prefix, then 8 single-token
decoding steps of 4 layers each: hundreds of small operators); ONNX Runtime runs the same graph, the 8 decoding
steps unrolled, in one call. The graph is ActionGraph (modeling_tiny.py) exported with torch.onnx's dynamo
exporter, in fp32: it gives the torch path's tokens (a test compares them on recorded frames).

The file lives in the checkpoint folder beside model.safetensors (`rt2-ros export-onnx FOLDER` writes it; the
shipped checkpoint has one) and records the SHA-256 of the weights it was exported from: a model.onnx that does
not match its model.safetensors is not used (the backend falls back to torch and says why).
"""

import hashlib
from pathlib import Path

import numpy as np
import torch

from rt2_ros.policy.tiny.configuration_tiny import WEIGHTS_FILE
from rt2_ros.policy.tiny.modeling_tiny import ActionGraph, TinyVLA, load_model

ONNX_FILE = "model.onnx"
DIGEST_KEY = "rt2_ros.weights_sha256"  # metadata of the ONNX model: which weights it holds
INPUTS = ("images", "proprio", "text", "text_mask")
OUTPUTS = ("tokens", "chances", "pointers")
OPSET = 18


def weights_digest(folder: Path) -> str:
    return hashlib.sha256((Path(folder) / WEIGHTS_FILE).read_bytes()).hexdigest()


def example_inputs(model: TinyVLA) -> tuple[torch.Tensor, ...]:
    """One frame's inputs at the shapes policy_node feeds (batch 1, the language padded to max_text_tokens)."""
    config = model.config
    size, length = config.image_size, config.max_text_tokens
    mask = torch.zeros(1, length, dtype=torch.bool)
    mask[:, :8] = True
    return (
        torch.zeros(1, 3, size, size, dtype=torch.uint8),  # (1, 3, S, S)
        torch.zeros(1, 8),  # (1, 8) proprioception
        torch.zeros(1, length, config.text_dim),  # (1, L, 384)
        mask,  # (1, L)
    )


def export_onnx(folder: Path) -> Path:
    """Write `folder`/model.onnx from the checkpoint in `folder` (about half a minute on 2 cores)."""
    import onnx

    folder = Path(folder)
    model = load_model(folder)
    program = torch.onnx.export(
        ActionGraph(model).eval(), example_inputs(model), dynamo=True, input_names=list(INPUTS),
        output_names=list(OUTPUTS), opset_version=OPSET, optimize=True, verbose=False,
    )  # fmt: skip
    proto = program.model_proto
    onnx.helper.set_model_props(proto, {DIGEST_KEY: weights_digest(folder)})
    path = folder / ONNX_FILE
    staging = path.with_suffix(".onnx.tmp")
    onnx.save_model(proto, staging)
    staging.replace(path)
    return path


def onnx_problem(folder: Path) -> str | None:
    """Why `folder`'s model.onnx cannot be used (None: it can)."""
    path = Path(folder) / ONNX_FILE
    if not path.is_file():
        return f"no {ONNX_FILE} in {folder} (rt2-ros export-onnx {folder} writes it)"
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "onnxruntime is not installed (pip install onnxruntime)"
    return None


class OnnxActionGraph:
    """An ONNX Runtime session of model.onnx; raises ValueError when the file is unreadable or not these weights."""

    def __init__(self, folder: Path, threads: int) -> None:
        import onnxruntime

        folder = Path(folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = onnxruntime.InferenceSession(
                str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own Fail / InvalidGraph on a corrupt file
            raise ValueError(f"{folder / ONNX_FILE} is not a readable ONNX model: {error}") from error
        recorded = self.session.get_modelmeta().custom_metadata_map.get(DIGEST_KEY)
        if recorded != weights_digest(folder):
            raise ValueError(
                f"{folder / ONNX_FILE} was not exported from this {WEIGHTS_FILE} "
                f"(rt2-ros export-onnx {folder} writes it again)"
            )

    def __call__(self, inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(1, 8) int64 tokens, (1, 8) their probabilities, (1, R, HW) pointer distributions."""
        tokens, chances, pointers = self.session.run(list(OUTPUTS), {name: inputs[name] for name in INPUTS})
        return tokens, chances, pointers
