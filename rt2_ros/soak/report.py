"""What `rt2-ros soak` measures and reports, free of rclpy: samples over time, the summary, JSON, PNG, a table.

A sample holds each node process's resident memory (RSS, from /proc) and the safety gate's cumulative
counters. RSS growth is measured after a warm-up (imports, caches, DDS discovery and the first episodes
settle first): from the first sample at or after the warm-up to the last one, per process.
"""

import json
import math
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rt2_ros.loop.outcome import EpisodeOutcome


def rss_bytes(pid: int) -> int | None:
    """Resident set size of a process (Linux /proc), None when it has gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024  # kB
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


@dataclass
class Counters:
    """The safety gate's counts since it started."""

    forwarded: int = 0  # actions passed on to the arm, possibly clamped
    clamped: int = 0  # of those, modified
    rejected: int = 0  # actions dropped
    holds: int = 0  # watchdog trips that published a zero-motion hold

    @property
    def processed(self) -> int:
        return self.forwarded + self.rejected


@dataclass
class Sample:
    seconds: float  # since the soak started
    rss: dict[str, int | None]  # node name -> bytes (None: the process has gone)
    counters: Counters


@dataclass
class SoakReport:
    minutes: float  # asked for
    warmup: float  # s of the start not counted for RSS growth
    command: str  # how it was run
    samples: list[Sample] = field(default_factory=list)
    outcomes: list[EpisodeOutcome] = field(default_factory=list)
    stopped_by: str = ""  # why the soak ended early ('' when it ran its time)

    @property
    def seconds(self) -> float:
        return self.samples[-1].seconds if self.samples else 0.0

    def rss_growth(self) -> dict[str, float]:
        """Per process: relative RSS change from the first sample after the warm-up to the last (0.02 = 2 %)."""
        after = [sample for sample in self.samples if sample.seconds >= self.warmup]
        if len(after) < 2:
            return {}
        first, last = after[0].rss, after[-1].rss
        return {name: last[name] / first[name] - 1.0 if first[name] and last.get(name) else math.nan for name in first}

    def summary(self) -> dict:
        counters = self.samples[-1].counters if self.samples else Counters()
        solved = sum(outcome.success for outcome in self.outcomes)
        return {
            "command": self.command,
            "minutes_asked": self.minutes,
            "minutes_run": round(self.seconds / 60.0, 2),
            "stopped_by": self.stopped_by,
            "actions_processed": counters.processed,
            "actions_forwarded": counters.forwarded,
            "actions_clamped": counters.clamped,
            "actions_rejected": counters.rejected,
            "watchdog_holds": counters.holds,
            "episodes": len(self.outcomes),
            "episodes_solved": solved,
            "rss_mb_last": {name: _mb(value) for name, value in (self.samples[-1].rss if self.samples else {}).items()},
            "rss_growth_after_warmup": {name: round(value, 4) for name, value in self.rss_growth().items()},
            "warmup_s": self.warmup,
        }

    def to_json(self) -> dict:
        return {
            "summary": self.summary(),
            "samples": [asdict(sample) for sample in self.samples],
            "episodes": [asdict(outcome) for outcome in self.outcomes],
        }

    def table(self) -> str:
        summary = self.summary()
        lines = [
            f"soak: {summary['minutes_run']} min ({summary['command']})"
            + (f", stopped early: {self.stopped_by}" if self.stopped_by else ""),
            f"actions processed by the gate {summary['actions_processed']}: forwarded {summary['actions_forwarded']} "
            f"(clamped {summary['actions_clamped']}), rejected {summary['actions_rejected']}; "
            f"watchdog holds {summary['watchdog_holds']}",
            f"episodes {summary['episodes']}, solved {summary['episodes_solved']}",
            f"{'process':<22} {'RSS MB':>8} {'growth after warm-up':>21}",
        ]
        growth = self.rss_growth()
        for name, megabytes in summary["rss_mb_last"].items():
            change = growth.get(name, math.nan)
            lines.append(f"{name:<22} {megabytes:>8.1f} {change * 100:>20.1f}%")
        return "\n".join(lines)


def _mb(value: int | None) -> float:
    return math.nan if value is None else round(value / 2**20, 1)


def write_json(report: SoakReport, path: Path) -> None:
    path.write_text(json.dumps(report.to_json(), indent=2))


def plot(report: SoakReport, path: Path) -> bool:
    """RSS of each process and the gate's counters over time as a PNG; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    minutes = [sample.seconds / 60.0 for sample in report.samples]
    figure, (memory, counts) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    names = list(report.samples[0].rss) if report.samples else []
    for name in names:
        memory.plot(minutes, [_mb(sample.rss.get(name)) for sample in report.samples], label=name)
    memory.axvline(report.warmup / 60.0, color="grey", linestyle=":", label="end of warm-up")
    memory.set_ylabel("RSS (MB)")
    memory.legend(fontsize="small")
    memory.set_title("\n".join(textwrap.wrap(report.command, 90)), fontsize="small")
    for key in ("forwarded", "clamped", "rejected", "holds"):
        counts.plot(minutes, [getattr(sample.counters, key) for sample in report.samples], label=key)
    counts.set_xlabel("minutes")
    counts.set_ylabel("safety gate counts")
    counts.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True
