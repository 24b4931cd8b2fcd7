"""docs/api.md's Python client, run as written (its own process, against a live server),
as a developer at another company copies it: it must ask, show the answer and vote."""

import re
import subprocess
import sys
from pathlib import Path

from site_assistant.models import Question

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SITE_LINE = 'SITE = "http://127.0.0.1:8000"'


def test_the_documented_python_client_asks_shows_the_answer_and_votes(
    live_server, transactional_db, built_index, tmp_path
):
    (example,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert SITE_LINE in example
    script = tmp_path / "client.py"
    script.write_text(example.replace(SITE_LINE, f'SITE = "{live_server.url}"'), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Projects start at €2,500.")
    assert lines[1] == f"Services › Pricing {live_server.url}/services/#pricing"
    question = Question.objects.get()
    assert lines[2] == f"Vote: 200 {{'question_id': {question.pk}, 'helpful': True}}"
    assert question.text == "How much does a landing page cost?" and question.helpful is True
