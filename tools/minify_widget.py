"""widget.min.js and widget.min.css, the script and stylesheet the widget's and the search
page's templates serve, made from widget.js and widget.css, the readable sources beside
them: ``make widget`` after editing either.

rjsmin and rcssmin (requirements-dev.txt; the installed app needs neither) take out
comments and spaces and rename nothing, so the served files read as the sources do, and a
Django site's ``collectstatic``, whatever its storage, copies them like any other file.
``--check`` says whether the committed files are what this makes
(tests/site_assistant/test_widget.py runs it).
"""

import sys
from pathlib import Path

import rcssmin
import rjsmin

STATIC = Path(__file__).resolve().parent.parent / "site_assistant" / "static" / "site_assistant"
# source -> (served file, its first line, the minifier)
FILES = {
    "widget.js": (
        "widget.min.js",
        "/*! widget.js minified by `make widget` (rjsmin): the readable source is beside it. */\n",
        rjsmin.jsmin,
    ),
    "widget.css": (
        "widget.min.css",
        "/*! widget.css minified by `make widget` (rcssmin): the readable source, with the "
        "contrasts of its colours, is beside it. */\n",
        rcssmin.cssmin,
    ),
}


def minified(source: str) -> str:
    _, header, minify = FILES[source]
    return header + minify((STATIC / source).read_text(encoding="utf-8")) + "\n"


def main(argv: list[str]) -> int:
    if argv[1:] not in ([], ["--check"]):
        print("usage: minify_widget.py [--check]", file=sys.stderr)
        return 2
    stale = []
    for source, (target, _, _) in FILES.items():
        text, path = minified(source), STATIC / target
        if not argv[1:]:
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(f"{target} is not {source} as it is now")
    if stale:
        print("; ".join(stale) + ": run `make widget`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
