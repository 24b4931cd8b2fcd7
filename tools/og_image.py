"""Draw static/img/og-image.png, the 1200×630 picture shown beside a shared link.

Crawlers (Facebook, LinkedIn, Slack, X) refuse SVG for og:image, so the
picture is a PNG: Bambi (templates/game/_bambi.html) and the logo, drawn by
Debian's Chromium through Playwright, then reduced to 256 colours with Pillow.
Run once after changing the drawing (`make og-image`) and commit the PNG.
"""

import base64
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "img" / "og-image.png"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTH, HEIGHT = 1200, 630

PAGE = """<!doctype html><meta charset="utf-8"><style>
body {{ margin: 0; width: {w}px; height: {h}px; overflow: hidden; font-family: system-ui, sans-serif;
  color: #2b1630; display: grid; grid-template-columns: 1fr 430px; align-items: center;
  background: radial-gradient(circle at 85% 20%, rgba(255, 140, 192, .45), transparent 42%),
    radial-gradient(circle at 10% 90%, rgba(255, 184, 214, .6), transparent 45%),
    linear-gradient(160deg, #fff5fa, #ffe8f2 60%, #ffd6e8); }}
.copy {{ padding: 0 0 0 84px; }}
.brand {{ display: flex; align-items: center; gap: 18px; font-size: 44px; font-weight: 800; }}
.brand img {{ width: 72px; height: 72px; }}
h1 {{ font-size: 68px; line-height: 1.05; margin: 34px 0 22px; letter-spacing: -.02em; }}
p {{ font-size: 30px; margin: 0; color: #6b4a66; font-weight: 600; }}
.bambi {{ width: 380px; height: auto; }}
</style>
<div class="copy">
  <div class="brand"><img src="data:image/svg+xml;base64,{logo}" alt="">Bambicim</div>
  <h1>Princess-pink software, built fast &amp; beautifully</h1>
  <p>Bambi’s playful software studio · web apps, design systems, tiny experiments</p>
</div>
<div>{bambi}</div>
"""


def bambi_svg() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.template.loader import render_to_string

    from bambicim.game import LOOKS

    worn = [LOOKS[s] for s in ("satin-ribbon", "rose-gold-hoops", "glitter-liner")]
    return render_to_string("game/_bambi.html", {"worn": worn})


def main() -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    logo = base64.b64encode((ROOT / "static" / "img" / "logo.svg").read_bytes()).decode()
    html = PAGE.format(w=WIDTH, h=HEIGHT, logo=logo, bambi=bambi_svg())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_content(html)
        png = page.screenshot(type="png")
        browser.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT), image.size
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        OUT, optimize=True
    )
    print(f"{OUT.relative_to(ROOT)}: {WIDTH}×{HEIGHT}, {OUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
