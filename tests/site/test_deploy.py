"""Production settings pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(env):
    """``manage.py check --deploy`` in a fresh process with ``env``; warnings fail."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_passes_with_debug_off_and_a_real_secret_key():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
    }
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_a_real_secret_key():
    # Empty (not unset) so a developer's .env cannot fill it in.
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "example.com", "SECRET_KEY": ""}
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
