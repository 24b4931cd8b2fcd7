"""int8 against fp32 on the site's question sets: top-1 agreement, quality, encode time.

The decision rule of ``SITE_ASSISTANT["ENCODER"] = "onnx-int8"`` /
``"onnx-int8-queries"``: the int8 copy of the export (``site_assistant.onnx_int8``)
serves only if, on every question set (held-out, natural, dev), the first
answer agrees with fp32's for at least ``INT8_MIN_AGREEMENT`` of the questions
and the quality bars hold. Each deployment is scored the way serving scores
(``training.evaluate.Retrievers``: passage, sentence and example-question
vectors blended, phrase matches, typo correction, an answer threshold
calibrated on the off-topic questions with the same encoder):

- ``fp32``: index and questions fp32, the reference;
- ``all``: index and questions int8 (ENCODER "onnx-int8");
- ``queries``: the fp32 index, questions int8 (ENCODER "onnx-int8-queries").

Quality bars: on visitor questions (``--natural`` files) accuracy@1 0.85,
accuracy@3 0.95 and answered 0.98 (the README's targets), or fp32's own
figure where fp32 is below a target; on the dev split accuracy@1 and
ndcg@10 at most ``DEV_SLACK`` below fp32's.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence

import numpy as np

from ..onnx_encoder import OnnxEncoder
from .evaluate import EvalSet, Retrievers, answer_rate
from .metrics import mean_metrics

DEPLOYMENTS = ("all", "queries")
VISITOR_BARS = {"accuracy@1": 0.85, "accuracy@3": 0.95, "answered": 0.98}
DEV_SLACK = 0.01
FIGURES = ("accuracy@1", "accuracy@3", "ndcg@10", "answered")


class Memo:
    """An encoder that embeds each distinct text once per run (the sets share passages)."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.dim = encoder.dim
        self.vectors: dict[str, np.ndarray] = {}

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            vectors = self.encoder.encode(missing, batch_size=batch_size)
            self.vectors.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.vectors[t] for t in texts])


def agreement(reference: dict[str, str | None], other: dict[str, str | None]) -> float:
    """Share of ``reference``'s questions whose first passage in ``other`` is the same one."""
    if not reference:
        raise ValueError("no questions to compare")
    return sum(q in other and other[q] == top for q, top in reference.items()) / len(reference)


def score(eval_set: EvalSet, model_ref: str, corpus_encoder, query_encoder) -> dict:
    """Serving's first passage per question and the set's quality figures."""
    r = Retrievers(eval_set, model_ref, corpus_encoder=corpus_encoder, query_encoder=query_encoder)
    ranked = r.rankings("dense")
    metrics = mean_metrics(*eval_set.answer_rankings(ranked))
    rate = answer_rate(r)
    return {
        "top1": {q: (docs[0] if docs else None) for q, docs in ranked.items()},
        **{name: metrics[name] for name in FIGURES if name in metrics},
        "answered": rate["answered"],
        "threshold": rate["threshold"],
    }


def quality_failures(kind: str, reference: dict, other: dict) -> list[str]:
    """The bars ``other`` misses ("visitor" or "dev" set), each as "figure value < bar"."""
    if kind == "visitor":
        bars = {m: min(target, reference[m]) for m, target in VISITOR_BARS.items()}
    else:
        bars = {m: reference[m] - DEV_SLACK for m in ("accuracy@1", "ndcg@10")}
    return [f"{m} {other[m]:.3f} < {bar:.3f}" for m, bar in bars.items() if other[m] < bar - 1e-9]


def encode_ms(encoders: dict, texts: Sequence[str]) -> dict[str, float]:
    """Median milliseconds to encode one question alone, per encoder; the encoders
    take turns on each question (which goes first alternates), so a change in
    the machine's load falls on all of them alike."""
    for text in texts[:5]:
        for encoder in encoders.values():
            encoder.encode([text])
    times: dict[str, list[float]] = {name: [] for name in encoders}
    names = list(encoders)
    for i, text in enumerate(texts):
        for name in names if i % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            encoders[name].encode([text])
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def compare(
    sets: Sequence[tuple[str, str, EvalSet]],
    model_ref: str,
    folder,
    min_agreement: float,
) -> dict:
    """int8 against fp32 on ``sets`` ((label, "visitor" | "dev", EvalSet)).

    ``folder``: the model's export, with its int8 copy. Returns {"sets":
    {label: {"questions", "kind", "fp32", "all", "queries"}}, "encode_ms",
    "verdict": {deployment: {"agreement", "worst_set", "quality_ok",
    "quality_failures", "passed", ...}}}; top-1 lists are left out.
    """
    fp32 = OnnxEncoder(folder, threads=1)
    int8 = OnnxEncoder(folder, threads=1, int8=True)
    fp32_corpus, int8_corpus = Memo(fp32), Memo(int8)
    encoders = {
        "fp32": (fp32_corpus, fp32),
        "all": (int8_corpus, int8),
        "queries": (fp32_corpus, int8),
    }
    report: dict = {"sets": {}, "min_agreement": min_agreement}
    failures = {d: [] for d in DEPLOYMENTS}
    for label, kind, eval_set in sets:
        scored = {name: score(eval_set, model_ref, *pair) for name, pair in encoders.items()}
        row: dict = {"questions": len(eval_set.queries), "kind": kind}
        for name, figures in scored.items():
            row[name] = {k: v for k, v in figures.items() if k != "top1"}
        for deployment in DEPLOYMENTS:
            row[deployment]["agreement"] = agreement(
                scored["fp32"]["top1"], scored[deployment]["top1"]
            )
            missed = quality_failures(kind, scored["fp32"], scored[deployment])
            row[deployment]["quality_failures"] = missed
            failures[deployment] += [f"{label}: {m}" for m in missed]
        report["sets"][label] = row
    questions = list(dict.fromkeys(q for _, _, s in sets for q in s.queries.values()))
    report["encode_ms"] = {
        **{k: round(v, 3) for k, v in encode_ms({"fp32": fp32, "int8": int8}, questions).items()},
        "questions": len(questions),
        "threads": 1,
        "load_average": os.getloadavg()[0],
    }
    report["verdict"] = {}
    for deployment in DEPLOYMENTS:
        agreements = {label: row[deployment]["agreement"] for label, row in report["sets"].items()}
        worst = min(agreements, key=agreements.get)
        report["verdict"][deployment] = {
            "agreement": agreements,
            "worst_set": worst,
            "quality_ok": not failures[deployment],
            "quality_failures": failures[deployment],
            "passed": agreements[worst] >= min_agreement and not failures[deployment],
            "min_agreement": min_agreement,
            "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    return report


def format_report(report: dict, model_id: str, variant: str) -> str:
    lines = [
        f"int8 against fp32 — model {model_id}, int8 variant {variant}",
        f"{'set':<28}{'questions':>10}  {'deployment':<16}{'top-1 agree':>12}"
        + "".join(f"{name:>12}" for name in FIGURES),
    ]
    names = {"fp32": "fp32", "all": "int8 (all)", "queries": "int8 (queries)"}
    for label, row in report["sets"].items():
        for i, (name, shown) in enumerate(names.items()):
            figures = row[name]
            agree = f"{figures['agreement']:.3f}" if "agreement" in figures else "-"
            head = f"{label:<28}{row['questions']:>10}" if i == 0 else " " * 38
            lines.append(
                f"{head}  {shown:<16}{agree:>12}"
                + "".join(f"{figures.get(n, float('nan')):>12.3f}" for n in FIGURES)
            )
    ms = report["encode_ms"]
    lines.append(
        f"encode one question, {ms['threads']} thread, p50: fp32 {ms['fp32']:.2f} ms, "
        f"int8 {ms['int8']:.2f} ms ({ms['questions']} questions; "
        f"load average {ms['load_average']:.2f})"
    )
    for deployment, verdict in report["verdict"].items():
        worst = verdict["agreement"][verdict["worst_set"]]
        if verdict["passed"]:
            outcome = "PASSES"
        else:
            reasons = []
            if worst < verdict["min_agreement"]:
                reasons.append(
                    f"top-1 agreement {worst:.3f} on {verdict['worst_set']} "
                    f"< {verdict['min_agreement']}"
                )
            reasons += verdict["quality_failures"]
            outcome = "REFUSED: " + "; ".join(reasons)
        lines.append(f"verdict {names[deployment]}: {outcome}")
    return "\n".join(lines)
