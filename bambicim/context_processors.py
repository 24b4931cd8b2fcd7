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
    }
