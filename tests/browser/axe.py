"""axe-core (from the axe-playwright-python package, pinned in requirements-dev.txt) on a Playwright page.

``violations(page)`` injects axe and returns one line per violation (rule, impact,
the first offending nodes), so a failing assert says what to fix.
"""

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def violations(page, context=None) -> list[str]:
    results = _AXE.run(page, context=context).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
    ]
