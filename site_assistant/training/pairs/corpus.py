"""Passages from a corpus outside the site: a BEIR folder or any JSONL of passages.

A BEIR folder holds ``corpus.jsonl`` (``{"_id", "title", "text"}`` a line); any
other JSONL of passages may name its id ``_id`` or ``id``. A passage becomes a
pairs passage like the site's: its title is its heading and leads its text
(as ``search_evaluate --beir`` embeds "title text"), and passages sharing a
title (or a ``url``, if rows carry one) are one section, split together, all
relevant to a question made for any of them (a FAQ question with several
answers).
"""

from __future__ import annotations

import json
from pathlib import Path


class CorpusError(ValueError):
    """The corpus is missing or malformed (one line, for a command's error)."""


def corpus_file(path: str | Path) -> Path:
    """``path`` itself, or the corpus.jsonl inside a BEIR folder."""
    path = Path(path)
    if path.is_dir():
        path = path / "corpus.jsonl"
        if not path.is_file():
            raise CorpusError(f"{path.parent}: no corpus.jsonl in this folder")
    elif not path.is_file():
        raise CorpusError(f"{path}: no such file or folder")
    return path


def read_corpus(path: str | Path) -> list[dict]:
    """Pairs passages ({id, title, heading, text, url, anchor, position}) of a corpus."""
    path = corpus_file(path)
    passages, seen = [], set()
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path}:{n}: not JSON ({exc.msg})") from exc
                passages.append(_passage(row, path, n, seen))
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 text") from exc
    if not passages:
        raise CorpusError(f"{path}: no passages")
    return passages


def _passage(row, path: Path, n: int, seen: set[str]) -> dict:
    if not isinstance(row, dict):
        raise CorpusError(f"{path}:{n}: expected an object with id, title and text")
    pid = row.get("_id", row.get("id"))
    if pid is None or str(pid).strip() == "":
        raise CorpusError(f"{path}:{n}: no _id (or id)")
    pid = str(pid)
    if pid in seen:
        raise CorpusError(f"{path}:{n}: id {pid!r} appears twice")
    seen.add(pid)
    title, text = row.get("title") or "", row.get("text")
    if not isinstance(text, str) or not text.strip() or not isinstance(title, str):
        raise CorpusError(f"{path}:{n}: no text (a passage needs a non-empty string text)")
    title, text = " ".join(title.split()), " ".join(text.split())
    return {
        "id": pid,
        "title": title,
        "heading": title,
        "text": f"{title} {text}".strip(),
        # Passages of one title (a FAQ question's answers) are one section.
        "url": str(row.get("url") or title or pid),
        "anchor": "",
        "position": n,
    }
