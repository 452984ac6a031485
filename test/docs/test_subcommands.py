"""The `rt2-ros` subcommands the docs name exist, and every subcommand is in the docs and the README."""

import re

from docs_pages import PAGES, ROOT, code_blocks

from rt2_ros.cli import SUBCOMMANDS

NAMED = re.compile(r"(?<![\w./-])rt2-ros\s+([a-z][a-z0-9-]*)")


def named_subcommands(pages) -> dict[str, set[str]]:
    """subcommand -> the pages whose code (inline or fenced) names it as `rt2-ros <subcommand>`."""
    named: dict[str, set[str]] = {}
    for page in pages:
        for text in code_blocks(page):
            for name in NAMED.findall(text):
                named.setdefault(name, set()).add(str(page.relative_to(ROOT)))
    return named


def test_named_subcommands_exist():
    unknown = {name: pages for name, pages in named_subcommands(PAGES).items() if name not in SUBCOMMANDS}
    assert not unknown, f"the docs name subcommands rt2_ros/cli/__init__.py does not have: {unknown}"


def test_every_subcommand_is_documented():
    in_docs = named_subcommands(PAGES[1:])
    in_readme = named_subcommands(PAGES[:1])
    missing = [name for name in SUBCOMMANDS if name not in in_docs or name not in in_readme]
    assert not missing, f"document `rt2-ros <name>` in docs/ and in the README's command table: {missing}"
