"""Production settings pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests import gunicorn_server

ROOT = Path(__file__).resolve().parents[2]
# TEST_GUNICORN_PORT: another port where 8108 is taken (two checkouts testing at once).
PORT = int(os.environ.get("TEST_GUNICORN_PORT", "8108"))


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


def without_a_key(**more):
    """Production settings with no secret key: empty, not unset, so a developer's
    .env cannot fill it in; not run as the test suite's processes are."""
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "example.com"}
    env.update({"SECRET_KEY": "", "SECRET_KEY_FILE": "", **more})
    env.pop("DJANGO_TESTING", None)
    return env


NO_KEY = (
    "SECRET_KEY is not set: with DEBUG off the site needs a secret key of its own "
    "(SECRET_KEY or SECRET_KEY_FILE, docs/configuration.md)."
)


def test_production_settings_refuse_to_start_without_a_secret_key():
    """The development key is in the repository: a site running on it has forgeable
    sessions, password-reset links and feedback tokens. One line, no traceback."""
    result = check_deploy(without_a_key())
    assert result.returncode == os.EX_CONFIG, result.stdout + result.stderr
    assert result.stderr.splitlines() == [NO_KEY]
    assert result.stdout == ""


def test_gunicorn_stops_before_any_worker_without_a_secret_key(tmp_path):
    """Its master says so in one line and exits; no worker is started (each would
    fail the same way, and gunicorn would start it again and again)."""
    log_path = tmp_path / "gunicorn.log"
    proc = gunicorn_server.start(
        gunicorn_server.conf_args(PORT, workers=1), without_a_key(), log_path
    )
    try:
        proc.wait(timeout=120)
    finally:
        gunicorn_server.stop(proc)
    log = log_path.read_text()
    assert proc.returncode == os.EX_CONFIG, log
    assert f"[ERROR] {NO_KEY}" in log
    assert "Booting worker" not in log
    assert "Traceback" not in log


def test_a_key_in_a_file_starts_the_site(tmp_path):
    """SECRET_KEY_FILE (a Docker or systemd secret; the Makefile's var/secret-key)."""
    key = tmp_path / "secret-key"
    key.write_text(secrets.token_urlsafe(50) + "\n")
    result = check_deploy(without_a_key(SECRET_KEY_FILE=str(key)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    missing = check_deploy(without_a_key(SECRET_KEY_FILE=str(tmp_path / "gone")))
    assert missing.returncode == os.EX_CONFIG
    assert len(missing.stderr.splitlines()) == 1
    assert missing.stderr.startswith("SECRET_KEY_FILE cannot be read: ")


def test_check_deploy_flags_a_weak_secret_key():
    result = check_deploy(without_a_key(SECRET_KEY="too-short"))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_turning_the_https_redirect_off_is_flagged():
    """The documented production settings redirect to HTTPS; behind a proxy that
    terminates TLS the redirect stays on (see the next test), so SECURE_SSL_REDIRECT=0
    is never needed, and `check --deploy` says so."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
        "SECURE_SSL_REDIRECT": "0",
    }
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_behind_a_tls_proxy_https_is_served_and_plain_http_redirected(client, settings):
    """TLS terminated at the proxy: it says so in X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER),
    so the redirect never loops; a request that reached us over plain HTTP is redirected."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["example.com"]
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    served = client.get("/privacy/", HTTP_HOST="example.com", HTTP_X_FORWARDED_PROTO="https")
    assert served.status_code == 200
    assert served["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get("/privacy/", HTTP_HOST="example.com")
    assert plain.status_code == 301
    assert plain["Location"] == "https://example.com/privacy/"
