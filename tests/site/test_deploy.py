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
