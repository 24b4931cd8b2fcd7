"""The tests the changelog, the README and docs/ name as evidence exist: a test
renamed or removed leaves the page pointing at nothing, and a reader cannot run it."""

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "CHANGELOG.md", ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# `tests/site/test_deploy.py`, `test_deploy.py`, either with `::test_x`; or `test_x` alone
# (also `::test_x`, the file named just before).
FILE = re.compile(r"(?<![\w/.-])((?:tests/(?:\w+/)*)?test_\w+\.py)(?:::(test_\w+))?")
NAME = re.compile(r"(?<![\w/.-])(test_\w+)\b(?!\.py)")


@cache
def defined() -> dict[str, set[Path]]:
    """Every test function name of tests/ and the files that define it."""
    names = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        for name in re.findall(r"^\s*(?:async\s+)?def (test_\w+)", path.read_text(), re.M):
            names.setdefault(name, set()).add(path)
    return names


def files(named: str) -> list[Path]:
    if named.startswith("tests/"):
        return [ROOT / named] if (ROOT / named).is_file() else []
    return sorted((ROOT / "tests").rglob(named))


def dangling(text: str) -> list[str]:
    """What ``text`` names that tests/ does not have."""
    missing = []
    for match in FILE.finditer(text):
        named, test = match.groups()
        found = files(named)
        if not found:
            missing.append(named)
        elif test and not set(found) & defined().get(test, set()):
            missing.append(f"{named}::{test}")
    missing += [name for name in NAME.findall(text) if name not in defined()]
    return missing


def test_every_test_the_docs_name_exists():
    missing = {
        str(page.relative_to(ROOT)): found
        for page in PAGES
        if (found := dangling(page.read_text()))
    }
    assert not missing, f"tests named in the docs that tests/ does not have: {missing}"


def test_the_check_sees_a_renamed_test_in_each_form_the_docs_use():
    assert (
        dangling(
            "(`test_deploy.py::test_check_deploy_passes_with_debug_off_and_a_real_secret_key`)"
        )
        == []
    )
    assert (
        dangling("`tests/site/test_deploy.py`, `::test_turning_the_https_redirect_off_is_flagged`")
        == []
    )
    assert dangling(
        "`tests/site/test_deploy.py::test_gone`, `::test_gone_too`, `test_gone_as_well`"
    ) == [
        "tests/site/test_deploy.py::test_gone",
        "test_gone",
        "test_gone_too",
        "test_gone_as_well",
    ]
    assert dangling(
        "`test_deploy.py::test_check_deploy_passes_with_debug_off_and_a_real_secret_key`"
        " in `tests/site_assistant/test_deploy.py`"
    ) == ["tests/site_assistant/test_deploy.py"]
