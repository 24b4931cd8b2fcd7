"""docs/configuration.md documents every SITE_ASSISTANT key of site_assistant/conf.py, and no other."""

import re
from pathlib import Path

from site_assistant.conf import DEFAULTS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SECTION = "## The `SITE_ASSISTANT` setting"
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|", re.MULTILINE)


def documented_keys() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    assert SECTION in text, f"{PAGE} has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return ROW.findall(section)


def test_every_search_key_is_documented():
    missing = sorted(set(DEFAULTS) - set(documented_keys()))
    assert not missing, f"SITE_ASSISTANT keys missing from docs/configuration.md: {missing}"


def test_the_page_names_no_key_that_does_not_exist():
    unknown = sorted(set(documented_keys()) - set(DEFAULTS))
    assert not unknown, (
        f"docs/configuration.md documents keys site_assistant/conf.py lacks: {unknown}"
    )


def test_each_key_has_one_row():
    keys = documented_keys()
    twice = sorted({key for key in keys if keys.count(key) > 1})
    assert not twice, f"keys documented more than once: {twice}"
