"""The words of a passage or a question: content words leave every stop word list out,
and the lists (scikit-learn's) are read only when words are first judged."""

import secrets

from site_assistant.training.pairs.words import content_words
from tests.conftest import run_python

# What the admin's "Train on site content" (in the web process) and the test modules import.
IMPORTS_ONLY = """
import sys
import django
django.setup()
from site_assistant.training import evaluate, finetune, pairs
print(",".join(m for m in ("sklearn", "scipy", "pandas", "bm25s", "torch") if m in sys.modules))
"""


def test_importing_the_training_package_loads_no_scikit_learn():
    env = {"DJANGO_SETTINGS_MODULE": "bambicim.settings", "SECRET_KEY": secrets.token_urlsafe(50)}
    loaded = run_python(IMPORTS_ONLY, env, timeout=120).strip()
    assert loaded == "", f"imported with the training package: {loaded}"


def test_content_words_leave_out_every_lists_stop_words():
    # "whereafter", "became", "amongst": scikit-learn's list only; "the": bm25s's too;
    # "really": the site's own.
    text = "Whereafter the pink teapot really became amongst the hoops"
    assert content_words(text) == ["pink", "teapot", "hoops"]
