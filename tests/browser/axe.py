"""axe-core (from the axe-playwright-python package, pinned in requirements-dev.txt) on a Playwright page.

``violations(page)`` injects axe and returns one line per violation (rule, impact,
the first offending nodes), so a failing assert says what to fix; ``impacts=SERIOUS``
keeps the serious and critical ones.
"""

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


# What the owner's admin pages must be free of: Django's own pages can have moderate
# ones (its login page has no <h1>; the site's templates/admin/login.html adds one).
SERIOUS = ("serious", "critical")


def violations(page, context=None, impacts=None) -> list[str]:
    """Every violation, or only those of the given ``impacts`` (e.g. ``SERIOUS``)."""
    results = _AXE.run(page, context=context).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
        if impacts is None or v["impact"] in impacts
    ]
