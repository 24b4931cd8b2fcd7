from django.templatetags.static import static

# The picture crawlers show beside a shared link (1200×630: most refuse SVG).
# Made by `make og-image` (tools/og_image.py) and committed.
OG_IMAGE = "img/og-image.png"
OG_IMAGE_SIZE = (1200, 630)

# The top-level navigation: url name of the page → the nav item it belongs to.
_SECTION = {
    "note": "notes",
    "game_scene": "game",
    "inventory": "game",
    "contact_thanks": "contact",
}


def site(request):
    """Values every page of the layout uses."""
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else ""
    return {
        "SITE_NAME": "Bambicim",
        "CONTACT_EMAIL": "hello@bambicim.com",
        "PRIVACY_EMAIL": "privacy@bambicim.com",
        "nav_section": _SECTION.get(name, name),
        # The page's own address for og:url and rel=canonical: no query string,
        # so /game/the-mirror/?choice=… shares as the scene itself.
        "canonical_url": request.build_absolute_uri(request.path),
        "og_image_url": request.build_absolute_uri(static(OG_IMAGE)),
        "og_image_width": OG_IMAGE_SIZE[0],
        "og_image_height": OG_IMAGE_SIZE[1],
    }
