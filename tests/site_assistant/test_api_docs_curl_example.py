"""docs/api.md's curl lines, run as written (a shell, curl and jq, against a live server),
as a developer copies them: the vote must count, not be a 403 for a made-up id and token."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from site_assistant.models import Question
from tests.conftest import IN_CI

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SITE = "http://127.0.0.1:8000"


# Skipped on a machine without them, never in CI (.ci/run installs them).
@pytest.mark.skipif(
    not IN_CI and not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq"
)
def test_the_documented_curl_lines_ask_and_vote(live_server, transactional_db, built_index):
    example = re.findall(r"```sh\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)[0]
    assert "/api/feedback/" in example and SITE in example
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example.replace(SITE, live_server.url)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    *_, snippet, vote = run.stdout.strip().splitlines()
    asked = Question.objects.get(text="how much does a landing page cost?")
    assert f'"question_id": {asked.pk},' in run.stdout  # the first answer, shown by jq
    assert snippet.startswith("No account is needed")
    registered = Question.objects.get(text="do I need to register to play?")
    assert json.loads(vote) == {"question_id": registered.pk, "helpful": True}
    assert registered.helpful is True
