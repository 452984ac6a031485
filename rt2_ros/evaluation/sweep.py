"""The unsure-model trade-off: closed-loop success per category at several min_confidence thresholds.

A step the model is less sure of than the threshold is not acted on. Raising it stops the arm on commands that
cannot be done (the `impossible` category succeeds when nothing moves) and, past some point, on commands that
can (the other categories fail). `rt2-ros eval --in-process --confidence-sweep ...` runs the same episodes
(same seeds) at each threshold and plots both curves; policy_node's min_confidence default is chosen from it.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from rt2_ros.evaluation.categories import Category
from rt2_ros.evaluation.in_process import evaluate_in_process
from rt2_ros.evaluation.results import EpisodeResult, rate
from rt2_ros.policy.base import Policy


def confidence_sweep(
    policy: Policy,
    categories: Sequence[Category],
    episodes: int,
    thresholds: Sequence[float],
    seed: int,
    control_rate: float,
    timeout: float,
    on_episode: Callable[[EpisodeResult], None] | None = None,
) -> dict[float, list[EpisodeResult]]:
    return {
        threshold: evaluate_in_process(
            policy,
            list(categories),
            episodes,
            seed,
            control_rate,
            timeout,
            on_episode=on_episode,
            min_confidence=threshold,
        )
        for threshold in thresholds
    }


def sweep_table(sweep: dict[float, list[EpisodeResult]]) -> str:
    categories = list(dict.fromkeys(result.category for results in sweep.values() for result in results))
    lines = [f"{'min_confidence':>14}  " + "  ".join(f"{name:>18}" for name in categories)]
    for threshold, results in sweep.items():
        cells = []
        for name in categories:
            chosen = [result for result in results if result.category == name]
            cells.append(f"{sum(r.success for r in chosen):>3}/{len(chosen):<3} ({100 * rate(chosen):3.0f} %)")
        lines.append(f"{threshold:>14.2f}  " + "  ".join(f"{cell:>18}" for cell in cells))
    return "\n".join(lines)


def write_sweep(sweep: dict[float, list[EpisodeResult]], folder: Path, settings: dict) -> tuple[Path, Path]:
    """sweep.json (every episode at every threshold) and sweep.png (success against the threshold)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    json_path, plot_path = folder / "sweep.json", folder / "sweep.png"
    episodes = {str(threshold): [asdict(result) for result in results] for threshold, results in sweep.items()}
    json_path.write_text(json.dumps({"settings": settings, "thresholds": episodes}, indent=1))
    categories = list(dict.fromkeys(result.category for results in sweep.values() for result in results))
    thresholds = list(sweep)
    figure, axis = plt.subplots(figsize=(6.4, 4.0))
    for name in categories:
        values = [100 * rate([r for r in sweep[t] if r.category == name]) for t in thresholds]
        style = {"linewidth": 2.5, "color": "black"} if name == "impossible" else {}
        axis.plot(thresholds, values, marker="o", label=name, **style)
    axis.set_xlabel("min_confidence (policy_node)")
    axis.set_ylabel("success (%)")
    axis.set_ylim(-3, 103)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title("acting only when sure: impossible commands vs the rest", fontsize=10)
    figure.tight_layout()
    figure.savefig(plot_path, dpi=110)
    plt.close(figure)
    return json_path, plot_path
