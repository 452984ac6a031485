"""The README is a front page: it fits on one, and its first screen holds the two commands."""

from docs_pages import ROOT

README = ROOT / "README.md"
MAX_LINES = 200
FIRST_SCREEN = 25  # lines a terminal or a browser shows before any scrolling


def test_the_readme_fits_on_a_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, f"README.md has {len(lines)} lines; the manual is in docs/"


def test_the_two_commands_are_on_the_first_screen():
    first_screen = README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN]
    for command in ("make demo", "make test"):
        assert any(line.startswith(command) for line in first_screen), f"`{command}` is not on the first screen"
