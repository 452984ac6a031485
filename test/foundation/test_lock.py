"""requirements/lock.txt pins one tested resolution of requirements/*.txt, and the set-up installs from it."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s#;]+)")


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def pins() -> dict[str, Version]:
    return {canonicalize_name(match[1]): Version(match[2]) for match in map(PIN.match, requirement_lines(LOCK))}


def ranges() -> list[Requirement]:
    return [
        Requirement(line)
        for path in sorted((ROOT / "requirements").glob("*.txt"))
        if path != LOCK
        for line in requirement_lines(path)
    ]


def test_every_lock_line_is_one_exact_pin():
    for line in requirement_lines(LOCK):
        match = PIN.match(line)
        assert match and match.end() == len(line), f"not a plain name==version pin: {line!r}"
        # A constraints file may not carry extras, and a local build label (+cpu) exists on no index.
        assert "[" not in line and "+" not in match[2], line


@pytest.mark.parametrize("requirement", ranges(), ids=str)
def test_the_lock_pins_every_requirement_inside_its_range(requirement):
    locked = pins()
    name = canonicalize_name(requirement.name)
    assert name in locked, f"{requirement} is not in requirements/lock.txt: run `make lock`"
    assert requirement.specifier.contains(locked[name], prereleases=True), (
        f"the lock pins {name}=={locked[name]}, outside {requirement}: run `make lock`"
    )


def test_the_set_up_installs_the_lock_and_reinstalls_when_it_changes():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    install = next(line for line in bootstrap.splitlines() if " install " in line and "requirements/base.txt" in line)
    assert "-c requirements/lock.txt" in install
    assert "hash_of requirements/*.txt" in bootstrap  # the lock is one of the hashed files
    assert "scripts/lock.sh" in (ROOT / "Makefile").read_text()
