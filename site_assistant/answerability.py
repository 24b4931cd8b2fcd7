"""When not to answer: each index's answer threshold, calibrated when it is built.

Every question has a nearest passage; only its score says how near, and what
a score means depends on the site (short FAQ titles score higher than long
articles) and on the model. So no constant transfers from one site to the
next. When an index is built, the app asks it questions about something else
— its own list of generic questions that no site in particular answers
(``site_assistant/data/off_topic_questions.txt``, or SITE_ASSISTANT["OFF_TOPIC_QUESTIONS"]) —
scored exactly as serving scores a visitor's question (typo tolerance, the
sentence and example-question blend, phrase matches), and sets the answer
threshold at the SITE_ASSISTANT["OFF_TOPIC_QUANTILE"] of their best scores: that share
of questions about something else gets "not sure" on this index, whatever the
site. The figures it was chosen from are in docs/quality.md.

A rebuild that changes nothing the threshold depends on (the same vectors
and passages, model, calibration questions and settings: ``calibration_key``)
keeps the live version's threshold without asking the questions again.

An explicit SITE_ASSISTANT["MIN_SCORE"] overrides the calibration (see
``site_assistant.services.min_score``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from . import conf, embed, index, lexical, services

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_OFF_TOPIC = DATA_DIR / "off_topic_questions.txt"
# Bounds of a calibrated threshold: a corpus of a few passages gives few
# distinct scores, and a threshold outside these would answer everything or
# nothing.
LOWEST, HIGHEST = 0.2, 0.8
# Part of every calibration key: raised when the app scores questions differently
# (a stored threshold was measured with the old scoring and is not reused).
SCORING = 3  # 2: the site's name left out of questions (site_assistant.site_name); 3: names only


def off_topic_questions(path: str | Path | None = None) -> list[str]:
    """The calibration questions: one a line, "#" lines are comments."""
    path = Path(path or conf.get("OFF_TOPIC_QUESTIONS") or SHIPPED_OFF_TOPIC)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def best_scores(version: index.IndexVersion, questions: list[str]) -> list[float]:
    """Serving's best score for each question over ``version`` (batched).

    Questions serving declines anyway as noise (no word of the site or the
    model) are left out: the threshold never has to decline them.
    """
    speller = services.speller(version)
    # This one speller for every question: ``version`` is a new one while visitors ask
    # the live one, and a process memoizes one version's (services.respell).
    searched = [services.respell(version, q, speller) for q in questions]
    searched = [q for q in searched if not speller.is_noise(q)]
    if not searched or version.count == 0:
        return []
    # Through the embedding cache: the next build of the same model embeds none of them.
    # What the model reads of each, as serving embeds it (without the site's name).
    vectors, _, _ = embed.embed_cached(
        services.model_texts(searched, version),
        version.model_ref or embed.active_model_ref(),
        role="query",
    )
    boosts = None
    if conf.get("PHRASE_BOOST"):
        lexical_index = lexical.for_version(version.version, version.passages)
        boosts = lexical.phrase_boosts(lexical_index, searched)
    ranked = version.search(vectors, 1, boosts)
    return [pairs[0][1] for pairs in ranked if pairs]


def threshold(off_topic_scores: list[float], quantile: float | None = None) -> float:
    """The answer threshold that declines ``quantile`` of these off-topic best scores."""
    if quantile is None:
        quantile = float(conf.get("OFF_TOPIC_QUANTILE"))
    raw = float(np.quantile(off_topic_scores, quantile))
    return round(min(HIGHEST, max(LOWEST, raw)), 4)


def calibration_key(version: index.IndexVersion, questions: list[str]) -> str | None:
    """What a calibration depends on, hashed: the version's vectors and passages,
    its model, the calibration questions and every SITE_ASSISTANT setting (any of
    them may change a score). None when the version's files have no digest."""
    digest = index.content_digest(version)
    if digest is None:
        return None
    settings = {name: conf.get(name) for name in sorted(conf.DEFAULTS)}
    what = [SCORING, digest, version.model_id, version.model_ref, questions, settings]
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=repr).encode()).hexdigest()


def calibrate(version: index.IndexVersion, previous: dict | None = None) -> dict:
    """The answer threshold of ``version`` and what it came from (for meta.json).

    ``previous``: an earlier version's calibration (the live one's), reused as
    it is when its key matches — an unchanged rebuild asks no question again.
    """
    questions = off_topic_questions()
    key = calibration_key(version, questions)
    if key is not None and previous and previous.get("key") == key:
        return dict(previous)
    quantile = float(conf.get("OFF_TOPIC_QUANTILE"))
    scores = best_scores(version, questions)
    if not scores:
        return {}
    return {
        "min_score": threshold(scores, quantile),
        "quantile": quantile,
        "off_topic_questions": len(scores),
        "off_topic_median": round(float(np.median(scores)), 4),
        "off_topic_max": round(float(max(scores)), 4),
        "key": key,
    }
