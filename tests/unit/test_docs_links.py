"""No document points to a file that is not there: every relative link in the README and in
docs/ names a file of the repository (build/ outputs excepted: they exist after `make`)."""
import re

import pytest

from conftest import REPO

pytestmark = pytest.mark.unit

DOCUMENTS = [REPO / "README.md", REPO / "CODING_GUIDE.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_names_a_file_that_exists(document):
    missing = []
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("build/"):
            continue
        if not (document.parent / target).exists():
            missing.append(target)
    assert not missing, f"{document.name} links to missing files: {missing}"
