"""Whether a change to the serving path changed any answer: every question of
tests/data/*.jsonl through ``services.answer()`` against the live index, written
down (``dump``) and compared with an earlier dump (``compare``).

What is compared, for each question: the answer's passage id (or a decline),
the ranked results' passage ids, links, snippets and their highlights, the
scores (to 1e-6), the query as searched, the language, a small-talk reply and
the threshold. Run it before a change and after it on the same index::

    DEBUG=1 .venv/bin/python tools/answers_check.py dump var/answers-before.json
    # ... the change ...
    DEBUG=1 .venv/bin/python tools/answers_check.py dump var/answers-after.json
    .venv/bin/python tools/answers_check.py compare var/answers-before.json var/answers-after.json

``compare`` prints every difference and exits 1 if there is one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TOLERANCE = 1e-6


def questions() -> list[str]:
    """Each question of tests/data/*.jsonl once, in file order."""
    seen, out = set(), []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            question = row.get("question") or row.get("query")
            if question and question not in seen:
                seen.add(question)
                out.append(question)
    return out


def _hit(hit) -> dict:
    return {
        "passage_id": hit.passage_id,
        "link": hit.link,
        "read_more": hit.read_more,
        "score": hit.score,
        "snippet": hit.snippet.to_dict() if hit.snippet else None,
        "breadcrumb": list(hit.breadcrumb),
    }


def dump(out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
    import django

    django.setup()
    from site_assistant import services

    services.warm_up()
    answers = {}
    for question in questions():
        try:
            result = services.answer(question)
        except ValueError as exc:  # a question services refuses is an answer too
            answers[question] = {"refused": str(exc)}
            continue
        answers[question] = {
            "answer": result.answer.passage_id if result.answer else None,
            "results": [_hit(hit) for hit in result.results],
            "corrected": result.corrected,
            "language": result.language,
            "reply": result.reply,
            "min_score": result.min_score,
            "index_version": result.index_version,
        }
    out.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(answers)} questions answered into {out}")
    return 0


def _differences(before, after, where: str) -> list[str]:
    if isinstance(before, float) and isinstance(after, float):
        return [] if abs(before - after) <= TOLERANCE else [f"{where}: {before!r} → {after!r}"]
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys():
        return [
            d for key in before for d in _differences(before[key], after[key], f"{where}.{key}")
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d
            for i, pair in enumerate(zip(before, after, strict=True))
            for d in _differences(*pair, f"{where}[{i}]")
        ]
    return [] if before == after else [f"{where}: {before!r} → {after!r}"]


def compare(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    # An unchanged rebuild (``make index``) names a new version with the same content:
    # said once, not counted as a difference of every answer.
    versions = set()
    for answers in (before, after):
        for answer in answers.values():
            versions.add(answer.pop("index_version", None))
    if len(versions) > 1:
        print(f"index versions: {', '.join(sorted(filter(None, versions)))}")
    differences = _differences(before, after, "answers")
    for line in differences:
        print(line)
    print(f"{len(before)} questions, {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    command, *paths = sys.argv[1:] or ["help"]
    if command == "dump" and len(paths) == 1:
        sys.exit(dump(Path(paths[0])))
    if command == "compare" and len(paths) == 2:
        sys.exit(compare(Path(paths[0]), Path(paths[1])))
    sys.exit(__doc__)
