"""README.md and docs/*.md as the docs tests read them: headings, anchors, links, code, tables.

Fenced code blocks are not Markdown: headings, links and tables inside them are ignored; inline code
spans hold no links. Anchors follow GitHub: the heading's text lower-cased, characters other than
letters, digits, spaces, hyphens and underscores dropped, spaces turned into hyphens, and -1, -2...
appended to repeats.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"`([^`]*)`")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]  # the titles of the headings it sits under, outermost first
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@cache
def prose_lines(page: Path) -> tuple[str, ...]:
    """The page's lines with fenced code blocks blanked out (line numbers kept)."""
    lines, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return tuple(lines)


def code_blocks(page: Path) -> list[str]:
    """The text of every fenced code block and every inline code span."""
    texts, block, fenced = [], [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            if fenced:
                texts.append("\n".join(block))
                block = []
            fenced = not fenced
        elif fenced:
            block.append(line)
    return texts + [span for line in prose_lines(page) for span in INLINE_CODE.findall(line)]


def headings(page: Path) -> list[tuple[int, str]]:
    """(level, title) of every heading, in order."""
    found = []
    for line in prose_lines(page):
        match = HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def slug(title: str) -> str:
    text = re.sub(r"<[^>]+>", "", title).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for _, title in headings(page):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(page: Path) -> list[str]:
    """Every link and image target outside code."""
    text = "\n".join(INLINE_CODE.sub("", line) for line in prose_lines(page))  # link text may wrap
    return LINK.findall(text)


def split_row(line: str) -> tuple[str, ...]:
    """The cells of a table row; a | inside inline code does not split."""
    cells, cell, in_code = [], "", False
    for character in line.strip().strip("|"):
        if character == "`":
            in_code = not in_code
        if character == "|" and not in_code:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += character
    return (*cells, cell.strip())


def tables(page: Path) -> list[Table]:
    found: list[Table] = []
    stack: list[tuple[int, str]] = []
    lines = prose_lines(page)
    index = 0
    while index < len(lines):
        line = lines[index]
        match = HEADING.match(line)
        if match:
            level = len(match.group(1))
            stack = [*(entry for entry in stack if entry[0] < level), (level, match.group(2))]
        elif line.startswith("|") and index + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|\s*$", lines[index + 1]):
            header = split_row(line)
            index += 2
            rows = []
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(split_row(lines[index]))
                index += 1
            found.append(Table(tuple(title for _, title in stack), header, tuple(rows)))
            continue
        index += 1
    return found


def code_names(cell: str) -> list[str]:
    """The inline code spans of a table cell."""
    return INLINE_CODE.findall(cell)
