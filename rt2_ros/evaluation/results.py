"""Evaluation results: one record per episode, a success table per category with episode counts, a bar chart."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class EpisodeResult:
    category: str
    kind: str  # task kind
    instruction: str  # the command as sent
    success: bool
    seconds: float  # wall time (graph) or sim time (in process) until success or the timeout
    actions: int  # actions the policy produced
    wrong_object: bool = False  # retarget categories: the sim's own task object was lifted instead of the named one
    template: str = ""  # the phrasing template the instruction was drawn from ("" for a concept command)


def rate(results: Sequence[EpisodeResult]) -> float:
    return sum(result.success for result in results) / max(len(results), 1)


def table(results: Sequence[EpisodeResult]) -> str:
    """Success per category, and per task kind within it, with episode counts."""
    categories = list(dict.fromkeys(result.category for result in results))
    kinds = list(dict.fromkeys(result.kind for result in results))
    header = f"{'category':<20} {'success':>13}  " + "  ".join(f"{kind:>11}" for kind in kinds)
    lines = [header, "-" * len(header)]
    for category in categories:
        chosen = [result for result in results if result.category == category]
        cells = []
        for kind in kinds:
            of_kind = [result for result in chosen if result.kind == kind]
            cells.append(f"{sum(r.success for r in of_kind):>4}/{len(of_kind):<3}" if of_kind else f"{'-':>8}")
        solved = sum(result.success for result in chosen)
        lines.append(
            f"{category:<20} {solved:>4}/{len(chosen):<3} {100 * rate(chosen):>3.0f}%  "
            + "  ".join(f"{cell:>11}" for cell in cells)
        )
    for category in categories:
        chosen = [result for result in results if result.category == category]
        wrong = sum(result.wrong_object for result in chosen)
        if wrong:
            lines.append(
                f"{category}: the sim's own task object was lifted instead of the named one in {wrong}/{len(chosen)}"
            )
    return "\n".join(lines)


def template_failures(results: Sequence[EpisodeResult]) -> str:
    """Per category, the phrasing templates that failed at least once, worst first: solved/said per template."""
    per_category: dict[str, dict[str, list[int]]] = {}  # category -> template -> [solved, said]
    for result in results:
        if result.template:
            solved_said = per_category.setdefault(result.category, {}).setdefault(result.template, [0, 0])
            solved_said[0] += result.success
            solved_said[1] += 1
    lines = []
    for category, counts in per_category.items():
        failing = sorted((solved / said, said, template, solved) for template, (solved, said) in counts.items()
                         if solved < said)  # fmt: skip
        if failing:
            lines.append(f"{category}: templates that failed ({len(failing)} of {len(counts)} said)")
            lines += [f"  {solved:>3}/{said:<3} {template}" for _, said, template, solved in failing]
    return "\n".join(lines)


def write(results: Sequence[EpisodeResult], folder: Path, title: str, settings: dict) -> tuple[Path, Path]:
    """eval.json (every episode and the settings) and eval.png (success per category); their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    json_path, plot_path = folder / "eval.json", folder / "eval.png"
    json_path.write_text(json.dumps({"settings": settings, "episodes": [asdict(r) for r in results]}, indent=1))
    categories = list(dict.fromkeys(result.category for result in results))
    rates = [100 * rate([r for r in results if r.category == category]) for category in categories]
    counts = [sum(r.category == category for r in results) for category in categories]
    figure, axes = plt.subplots(figsize=(8, 4))
    bars = axes.bar(range(len(categories)), rates, color="#3b6ea5")
    for bar, value, count in zip(bars, rates, counts, strict=True):
        axes.text(bar.get_x() + bar.get_width() / 2, value + 1, f"{value:.0f}%\n(n={count})", ha="center", fontsize=8)
    axes.set_xticks(range(len(categories)), [c.replace("_", "\n") for c in categories], fontsize=8)
    axes.set_ylim(0, 110)
    axes.set_ylabel("success (%)")
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(plot_path, dpi=110)
    plt.close(figure)
    return json_path, plot_path
