"""The Content-Security-Policy header (django-csp): no 'unsafe-inline', nonces only
where an inline block remains, and no template that would need one (the real
browser run is tests/browser/test_csp_browser.py)."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    [*ROOT.glob("templates/**/*.html"), *ROOT.glob("site_assistant/templates/**/*.html")]
)

pytestmark = pytest.mark.django_db


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_every_page_gets_a_policy_without_unsafe_inline(client):
    for url in ["/", "/contact/", "/search/", "/no-such-page/", "/admin/login/"]:
        response = client.get(url)
        directives = _directives(response)
        assert directives["script-src"][0] == "'self'", url
        assert directives["style-src"][0] == "'self'", url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]


def test_an_inline_block_gets_this_requests_nonce(client):
    first, second = (client.get("/api/docs/") for _ in range(2))
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        html = response.content.decode()
        assert html.count(f'nonce="{nonce}"') == 2  # its <style> and its <script>
        assert "<script>" not in html and "<style>" not in html
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_the_500_page_style_is_allowed_by_its_hash(rf):
    from django.conf import settings
    from django.urls import get_resolver

    server_error = get_resolver().resolve_error_handler(500)  # the handler Django calls
    html = server_error(rf.get("/")).content.decode()
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert f"'sha256-{digest}'" in allowed


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_needs_unsafe_inline(path):
    html = path.read_text(encoding="utf-8")
    # A nonce or hash cannot allow these: style="" attributes and on* handlers.
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "javascript:" not in html
    # Inline <script>/<style> blocks only with a nonce (the 500 page: by hash).
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        if "src=" in tag or "application/json" in tag:
            continue
        assert "nonce=" in tag or path.name == "500.html", tag
