"""What one closed-loop episode came to, and the table of many (no rclpy: the CLI imports it at start)."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class EpisodeOutcome:
    kind: str
    instruction: str
    success: bool
    seconds: float  # wall time from the command to success or timeout
    actions: int  # actions the policy published


def success_table(outcomes: Sequence[EpisodeOutcome]) -> str:
    """Per-episode lines, then one row per task kind (in order of first appearance) and the total."""
    lines = [f"{'#':>2}  {'task':<12} {'result':<8} {'time':>6} {'actions':>7}  instruction"]
    for index, outcome in enumerate(outcomes, 1):
        result = "success" if outcome.success else "timeout"
        lines.append(
            f"{index:>2}  {outcome.kind:<12} {result:<8} {outcome.seconds:>5.1f}s {outcome.actions:>7}  "
            f"{outcome.instruction}"
        )
    lines.append("")
    lines.append(f"{'task':<12} {'success':>9} {'rate':>6}")
    kinds = list(dict.fromkeys(outcome.kind for outcome in outcomes))
    for kind in [*kinds, "all"]:
        chosen = [o for o in outcomes if kind in ("all", o.kind)]
        solved = sum(o.success for o in chosen)
        lines.append(f"{kind:<12} {solved:>4} / {len(chosen):<2} {100 * solved / max(len(chosen), 1):>5.0f}%")
    return "\n".join(lines)
