"""Every relative link and #anchor in README.md and docs/*.md leads somewhere that exists."""

from urllib.parse import unquote

import pytest
from docs_pages import PAGES, ROOT, anchors, links, slug

EXTERNAL = ("http://", "https://", "mailto:")


def test_the_slugs_are_githubs():
    assert slug("`make demo` (= `rt2-ros demo`)") == "make-demo--rt2-ros-demo"
    assert slug("The live view (`overlay_node`)") == "the-live-view-overlay_node"
    assert slug("Install (Ubuntu with ROS 2 from packages.ros.org)") == "install-ubuntu-with-ros-2-from-packagesrosorg"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_resolve(page):
    broken = []
    for target in links(page):
        if target.startswith(EXTERNAL):
            continue
        path_part, _, anchor = target.partition("#")
        path = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not path.exists():
            broken.append(f"{target}: no file {path}")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading with anchor #{anchor} in {path.relative_to(ROOT)}")
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    assert {page for page in PAGES[1:]} <= linked
