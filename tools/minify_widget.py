"""widget.min.js, the script the widget's and the search page's templates serve, made from
widget.js, the readable source beside it: ``make widget`` after editing widget.js.

rjsmin (requirements-dev.txt; the installed app needs nothing) takes out comments and
spaces and renames nothing, so the served script reads as the source does, and a Django
site's ``collectstatic``, whatever its storage, copies it like any other file.
``--check`` says whether the committed file is what this makes
(tests/site_assistant/test_widget.py runs it).
"""

import sys
from pathlib import Path

import rjsmin

STATIC = Path(__file__).resolve().parent.parent / "site_assistant" / "static" / "site_assistant"
SOURCE = STATIC / "widget.js"
TARGET = STATIC / "widget.min.js"
HEADER = "/*! widget.js minified by `make widget` (rjsmin): the readable source is beside it. */\n"


def minified() -> str:
    return HEADER + rjsmin.jsmin(SOURCE.read_text(encoding="utf-8")) + "\n"


def main(argv: list[str]) -> int:
    text = minified()
    if argv[1:] == ["--check"]:
        if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text:
            return 0
        print(f"{TARGET.name} is not widget.js as it is now: run `make widget`", file=sys.stderr)
        return 1
    if argv[1:]:
        print("usage: minify_widget.py [--check]", file=sys.stderr)
        return 2
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
