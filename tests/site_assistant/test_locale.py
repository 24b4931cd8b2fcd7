"""site_assistant/locale/: what makemessages finds in the app is what the German and Slovenian
catalogues translate, every message, and the compiled .mo files are those catalogues.

Needs GNU gettext (Debian's ``gettext``: xgettext, msgcmp, msgfmt), as makemessages does.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import site_assistant

APP = Path(site_assistant.__file__).resolve().parent
ROOT = APP.parent
LANGUAGES = ("de", "sl")


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    """The catalogue makemessages makes from a copy of the app today (an empty de .po)."""
    for tool in ("xgettext", "msgcmp", "msgfmt"):
        if not shutil.which(tool):
            message = f"{tool} not found (apt-get install gettext)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    copy = tmp_path_factory.mktemp("app") / APP.name
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    (copy / "locale").mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bambicim.settings",
        "DEBUG": "1",
    }
    command = [sys.executable, "-m", "django", "makemessages", "-l", "de", "--no-location"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True, text=True)
    return copy / "locale" / "de" / "LC_MESSAGES" / "django.po"


def catalogue(language):
    return APP / "locale" / language / "LC_MESSAGES" / "django.po"


def gettext_tool(*args):
    return subprocess.run(args, capture_output=True, text=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_makemessages_finds_is_translated_and_no_other(found, language):
    shipped = catalogue(language)
    # msgcmp DEF REF: every message of REF is in DEF (translated, unless --use-untranslated).
    missing = gettext_tool("msgcmp", shipped, found)
    assert missing.returncode == 0, f"not translated in {shipped}:\n{missing.stderr}"
    stale = gettext_tool("msgcmp", "--use-untranslated", found, shipped)
    assert stale.returncode == 0, f"in {shipped}, found nowhere in the app:\n{stale.stderr}"
    checked = gettext_tool("msgfmt", "--check", "--statistics", "-o", os.devnull, shipped)
    assert checked.returncode == 0, checked.stderr
    assert "untranslated" not in checked.stderr and "fuzzy" not in checked.stderr, checked.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_translation(language, tmp_path):
    """compilemessages was run after the last change to the .po (the wheel ships the .mo)."""
    compiled = tmp_path / "django.mo"
    made = gettext_tool("msgfmt", "-o", compiled, catalogue(language))
    assert made.returncode == 0, made.stderr
    shipped = catalogue(language).with_suffix(".mo")
    with compiled.open("rb") as fresh, shipped.open("rb") as old:
        assert gettext.GNUTranslations(old)._catalog == gettext.GNUTranslations(fresh)._catalog
