def site(request):
    """Values every page of the layout uses."""
    return {
        "SITE_NAME": "Bambicim",
        "CONTACT_EMAIL": "hello@bambicim.com",
        "PRIVACY_EMAIL": "privacy@bambicim.com",
    }
