"""The stylesheet's promises: readable contrast, no CDN, visible focus, :target glow."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")


def css_var(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)
    assert match, f"--{name} not defined"
    return match.group(1)


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    r, g, b = linear
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("text", ["ink", "muted", "link", "link-hover", "plum"])
@pytest.mark.parametrize("background", ["white", "pink-50", "pink-100", "pink-200"])
def test_text_colours_pass_4_5_to_1_on_every_page_background(text, background):
    ratio = contrast(css_var(text), css_var(background))
    assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1"


def test_button_text_on_the_dark_pink_passes():
    assert contrast("#ffffff", css_var("link")) >= 4.5


def test_no_cdn_no_web_fonts_and_visible_focus():
    assert "http://" not in CSS and "https://" not in CSS
    assert "@import" not in CSS and "@font-face" not in CSS
    assert re.search(r":focus-visible\s*{[^}]*outline:\s*3px solid", CSS)


def test_section_headings_glow_when_targeted():
    assert ":is(h2, h3, h4):target" in CSS


@pytest.mark.parametrize("text", ["#fbe9f2", "#ffd6e8", "#f3cfe0"])
def test_footer_text_on_plum_passes(text):
    assert contrast(text, css_var("plum")) >= 4.5
