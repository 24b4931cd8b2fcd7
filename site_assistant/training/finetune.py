"""Fine-tune the embedding model on the site's pairs, and the activation guard.

The seed card's recipe is the default: MultipleNegativesRankingLoss (scale
20, cosine), batch 32, 2 epochs, lr 5e-5 — on CPU with 2 torch threads.
``BatchSamplers.NO_DUPLICATES`` keeps a passage from appearing twice in a
batch (several questions share one passage, and a duplicate in the batch
would count as a false negative).

The model folder gets the card sentence-transformers writes (real metrics of
an InformationRetrievalEvaluator on the dev split, real dataset statistics),
with the template's empty placeholder sections removed, plus
``metrics.json`` and ``search.json`` (what this app needs to know about the
model, e.g. its recommended answer threshold).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from .. import stored_words as words
from ..embed import MODEL_META_FILE
from .config import TrainConfig, models_dir
from .forget import drop_kept_visitor_questions
from .pairs import read_jsonl
from .prune import prune_models

logger = logging.getLogger(__name__)

# What the Trainer needs beyond the app's own requirements: the "train" extra.
TRAIN_EXTRA = ("datasets", "accelerate")


def missing_extra() -> str | None:
    """Why training cannot run here (the "train" extra is not installed), or None."""
    missing = [name for name in TRAIN_EXTRA if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f'Training needs the app\'s "train" extra ({", ".join(missing)} missing): install '
        f'the app\'s wheel again with it, pip install "{_wheel_name()}[train]" (the app is '
        "not on PyPI; docs/install.md, §1)."
    )


def _wheel_name() -> str:
    """The installed app's wheel file name, as `pip wheel` makes it."""
    try:
        version = importlib.metadata.version("django-site-assistant")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        version = "<version>"
    return f"django_site_assistant-{version}-py3-none-any.whl"


BASE_MODEL_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
GUARD_METRIC = "ndcg@10"
METRICS_FILE = "metrics.json"
# A threshold sits at least this far above the best nonsense score.
NONSENSE_MARGIN = 0.02
# Queries that must never get an answer: they calibrate the threshold.
NONSENSE_QUERIES = (
    "zxqv blorp",
    "asdf qwer uiop",
    "flibbertigibbet wobble",
    "qwertyuiop",
    "lorem ipsum dolor",
    "xkcd 927 blarg",
    "hjkl hjkl hjkl",
    "purple monkey dishwasher",
)

# What a training run reports about what it trained (train()'s result keys).
TRAINED_COUNTS = ("pairs", "pairs_trained", "steps", "steps_planned", "epochs", "batch_size")


def trained_summary(meta: dict) -> str:
    """ "Trained 80 steps of 32 (0.65 of an epoch: about 2560 of 3931 pairs)" — true counts."""
    steps, epochs, pairs = meta["steps"], meta.get("epochs", 0.0), meta["pairs"]
    head = f"Trained {steps} steps of batch {meta.get('batch_size', '?')}"
    if epochs >= 1:
        return f"{head} ({epochs:.2f} epochs over {pairs} pairs)"
    return (
        f"{head} ({epochs:.2f} of an epoch: about {meta.get('pairs_trained', 0)} of {pairs} pairs)"
    )


# progress(fraction 0–1, message)
Progress = Callable[[float, str], None]


# --- the guard --------------------------------------------------------------------------


def should_activate(
    base: dict,
    tuned: dict,
    metric: str = GUARD_METRIC,
    min_gain: float = 0.0,
    evidence: dict | None = None,
) -> tuple[bool, str]:
    """Activate the tuned model only if it beats the base model (``guard.judge``).

    ``evidence``: {"base", "tuned": qid → score, "kinds": qid → question kind}
    of the dev split; without it, only the mean ``metric`` is compared.
    """
    if evidence is not None:
        from .guard import judge

        ok, decision, found = judge(
            evidence["base"],
            evidence["tuned"],
            evidence["kinds"],
            evidence.get("natural_base"),
            evidence.get("natural_tuned"),
        )
        evidence["found"] = found
        return ok, decision
    if metric not in base or metric not in tuned:
        return False, words.METRIC_MISSING.english(metric=metric)
    b, t = float(base[metric]), float(tuned[metric])
    if any(map(math.isnan, (b, t))):
        return False, words.METRIC_NOT_A_NUMBER.english(metric=metric)
    if t > b + min_gain:
        figures = {"metric": metric, "tuned": f"{t:.4f}", "base": f"{b:.4f}"}
        return True, words.MEAN_HIGHER.english(**figures, gain=f"{t - b:.4f}")
    return False, words.MEAN_NOT_HIGHER.english(metric=metric, tuned=f"{t:.4f}", base=f"{b:.4f}")


# --- training ----------------------------------------------------------------------------


def new_model_dir() -> Path:
    return models_dir() / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def _ir_evaluator(dev_dir: Path, name: str = "dev"):
    from sentence_transformers.sentence_transformer.evaluation import (
        InformationRetrievalEvaluator,
    )

    if not (dev_dir / "dev.jsonl").is_file():
        return None
    corpus = {str(r["_id"]): r["text"] for r in read_jsonl(dev_dir / "corpus.jsonl")}
    queries, relevant = {}, {}
    for i, row in enumerate(read_jsonl(dev_dir / "dev.jsonl")):
        qid = str(row.get("qid") or f"q{i}")
        queries[qid] = row["question"]
        relevant[qid] = {str(r) for r in row.get("relevant") or [row["passage_id"]]}
    if not queries:
        return None
    return InformationRetrievalEvaluator(
        queries, corpus, relevant, name=name, write_csv=False, batch_size=64
    )


@contextlib.contextmanager
def torch_threads(n: int):
    """torch uses ``n`` threads inside; models loaded meanwhile do not change that."""
    import torch

    from .. import embed

    embed.use_configured_threads()
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _progress_callback(progress: Progress | None, total_steps: int):
    from transformers import TrainerCallback

    class _Callback(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            # No time estimate here: the run's page gives one for the whole run,
            # in words (site_assistant.training.time_left).
            if progress:
                progress(
                    state.global_step / max(1, total_steps),
                    f"step {state.global_step}/{total_steps}",
                )

    return _Callback()


def _clean_card(path: Path, extra: str = "") -> None:
    """Drop the template's commented-out placeholder sections; add our own notes."""
    readme = path / "README.md"
    if not readme.is_file():
        return
    text = readme.read_text(encoding="utf-8")
    text = re.sub(r"\n?<!--.*?-->\n?", "\n", text, flags=re.S)
    text = text.replace("# Download from the 🤗 Hub\n", "")
    text = re.sub(r"\n{3,}", "\n\n", text)
    if extra:
        marker = "\n## Training Details"
        text = (
            text.replace(marker, f"\n{extra.strip()}\n{marker}", 1)
            if marker in text
            else (text + "\n" + extra)
        )
    readme.write_text(text, encoding="utf-8")


def _origin(pairs_dir: Path) -> str:
    try:
        return json.loads((Path(pairs_dir) / "stats.json").read_text()).get("origin") or ""
    except (OSError, ValueError):
        return ""


def train(
    pairs_dir: str | Path,
    out_dir: str | Path | None = None,
    config: TrainConfig | None = None,
    base_model: str | None = None,
    progress: Progress | None = None,
    show_progress_bar: bool = True,
) -> dict:
    """Fine-tune ``base_model`` (default: the base all-MiniLM-L6-v2) on ``pairs_dir``.

    Returns {"model_dir", "train_seconds", "steps", "pairs", "card_metrics", ...}.
    """
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerModelCardData,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers.utils import logging as hf_logging

    from .. import embed

    config = config or TrainConfig()
    pairs_dir = Path(pairs_dir)
    rows = read_jsonl(pairs_dir / "train.jsonl")
    if config.max_pairs:
        rows = rows[: config.max_pairs]
    if not rows:
        raise ValueError(f"{pairs_dir}/train.jsonl has no pairs")
    base_ref = base_model or embed.default_model_path()
    out = Path(out_dir) if out_dir else new_model_dir()
    out.mkdir(parents=True, exist_ok=True)
    steps = config.steps(len(rows))
    warmup = config.warmup_steps if config.warmup_steps is not None else math.ceil(0.1 * steps)

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    with torch_threads(config.threads):
        if progress:
            progress(0.0, "loading the base model")
        from .pairs import made_from_site

        trained_on = (
            ("the site's passages", "site passages (search_make_pairs)")
            if made_from_site(pairs_dir)
            else ("another corpus", f"corpus passages ({_origin(pairs_dir)})")
        )
        card = SentenceTransformerModelCardData(
            language="en",
            license="apache-2.0",
            model_name=f"{BASE_MODEL_HUB_ID.split('/')[-1]} fine-tuned on {trained_on[0]}",
            train_datasets=[{"name": trained_on[1]}],
            local_files_only=True,
        )
        model = SentenceTransformer(str(base_ref), device="cpu", model_card_data=card)
        if os.path.realpath(base_ref) == os.path.realpath(embed.default_model_path()):
            model.model_card_data.base_model = BASE_MODEL_HUB_ID
        model.model_card_data.set_model_id(str(out))

        serving_max_length = model.max_seq_length
        if config.max_seq_length:
            model.max_seq_length = min(serving_max_length, config.max_seq_length)

        train_dataset = Dataset.from_dict(
            {"question": [r["question"] for r in rows], "passage": [r["passage"] for r in rows]}
        )
        evaluator = _ir_evaluator(pairs_dir)
        loss = MultipleNegativesRankingLoss(model, scale=config.scale)
        args = SentenceTransformerTrainingArguments(
            output_dir=str(out / "checkpoints"),
            num_train_epochs=config.epochs,
            max_steps=config.max_steps,
            per_device_train_batch_size=config.batch_size,
            per_device_eval_batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            warmup_steps=warmup,
            batch_sampler=BatchSamplers.NO_DUPLICATES,
            seed=config.seed,
            use_cpu=True,
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="no",
            report_to="none",
            disable_tqdm=not show_progress_bar,
            dataloader_pin_memory=False,
        )
        trainer = SentenceTransformerTrainer(
            model=model,
            args=args,
            train_dataset=train_dataset,
            loss=loss,
            evaluator=evaluator,
            callbacks=[_progress_callback(progress, steps)],
        )
        started = time.monotonic()
        trainer.train()
        train_seconds = time.monotonic() - started
        # What was trained, not what was asked for: --max-steps may stop mid-epoch.
        steps_done = int(trainer.state.global_step)
        epochs_done = float(trainer.state.epoch or 0.0)
        model.max_seq_length = serving_max_length
        card_metrics = {}
        if evaluator is not None:
            if progress:
                progress(1.0, "evaluating on the dev split")
            card_metrics = evaluator(model)
        model.save(str(out))
    for leftover in (out / "checkpoints",):
        if leftover.is_dir():
            import shutil

            shutil.rmtree(leftover, ignore_errors=True)
    return {
        "model_dir": str(out),
        "base_model": str(base_ref),
        "pairs": len(rows),
        "steps": steps_done,
        "steps_planned": steps,
        "epochs": round(epochs_done, 3),
        # Distinct pairs trained on: all of them once an epoch is done, else the
        # share of the first epoch's batches run.
        "pairs_trained": min(len(rows), round(epochs_done * len(rows))),
        "batch_size": config.batch_size,
        "warmup_steps": warmup,
        "train_seconds": round(train_seconds, 2),
        "config": asdict(config),
        "card_metrics": {k: float(v) for k, v in card_metrics.items()},
    }


# --- thresholds ---------------------------------------------------------------------------


def recommend_min_score(real_scores: list[float], nonsense_scores: list[float]) -> dict:
    """An answer threshold between nonsense questions and real ones.

    Midway between the highest nonsense score and the 5th percentile of the
    real questions' best scores (so ~95% of real questions get an answer),
    never below the highest nonsense score + NONSENSE_MARGIN.
    """
    import numpy as np

    real = np.asarray(real_scores or [1.0], dtype=float)
    junk = np.asarray(nonsense_scores or [0.0], dtype=float)
    low_real = float(np.percentile(real, 5))
    high_junk = float(junk.max())
    value = max((low_real + high_junk) / 2, high_junk + NONSENSE_MARGIN)
    return {
        "recommended_min_score": round(value, 3),
        "nonsense_max": round(high_junk, 3),
        "real_p5": round(low_real, 3),
        "real_min": round(float(real.min()), 3),
        "real_answered_at_recommended": round(float((real >= value).mean()), 3),
    }


def nonsense_scores(pairs_dir: str | Path, model_ref: str, store: bool = False) -> list[float]:
    """Serving's best score for each nonsense query over the pairs' corpus.

    Scored as serving scores (passage, sentence and example-question vectors),
    the same way as the dev questions the threshold is set against. ``store``:
    the site's vectors of ``model_ref`` stay in the embedding cache, for the
    index build that serves it.
    """
    return _dev_retrievers(pairs_dir, model_ref, store).best_scores(NONSENSE_QUERIES)


def write_model_meta(model_dir: str | Path, meta: dict) -> None:
    model_dir = Path(model_dir)
    (model_dir / METRICS_FILE).write_text(json.dumps(meta.get("metrics", {}), indent=2))
    (model_dir / MODEL_META_FILE).write_text(json.dumps(meta, indent=2))


# --- the whole run: pairs → train → evaluate base and tuned → guard → activate ---------


def _dev_retrievers(pairs_dir: Path, model_ref: str, store: bool = False):
    from .evaluate import Retrievers, load_dev
    from .pairs import made_from_site

    dev = load_dev(pairs_dir)
    # Another corpus's passages: none of the site's example questions belong to them.
    dev.site = made_from_site(pairs_dir)
    return Retrievers(dev, model_ref, store=store)


def _comparison_section(
    base: dict, tuned: dict, decision: str, threshold: dict, refit_threshold: dict | None = None
) -> str:
    """The card's section on the search app's own dev scores, decision and answer threshold.

    ``refit_threshold``: the card of the model trained again on every section,
    whose dev figures are the guarded model's and whose threshold is the
    guarded model's, raised if nonsense scores closer with it.
    """
    from .metrics import METRIC_NAMES

    tuned_label = "guarded model (same recipe, without the dev sections)"
    lines = [
        "## Search app: base vs fine-tuned (dense, FAISS flat IP, site dev split)",
        "",
        f"| metric | base all-MiniLM-L6-v2 | {tuned_label if refit_threshold else 'this model'} |",
        "|:--|--:|--:|",
    ]
    lines += [f"| {m} | {base[m]:.4f} | {tuned[m]:.4f} |" for m in METRIC_NAMES]
    guarded = (
        f"highest nonsense score {threshold['nonsense_max']}, 5th percentile of dev "
        f"questions' best score {threshold['real_p5']}"
    )
    if refit_threshold is None:
        why = f"{threshold['recommended_min_score']} ({guarded})"
    else:
        why = (
            f"{refit_threshold['recommended_min_score']} (the guarded model's "
            f"{threshold['recommended_min_score']}: {guarded}; this model's highest nonsense "
            f"score {refit_threshold['nonsense_max']})"
        )
    lines += [
        "",
        "Scored as `search_evaluate` scores the dev split: a question about a whole page "
        "counts that page once, where its best passage ranks. The training logs' "
        "`dev_cosine_*` figures are sentence-transformers' own evaluator, which needs every "
        "passage of such a page ahead of the rest.",
        "",
        f"Decision: {decision}.",
        "",
        f"Recommended answer threshold (SITE_ASSISTANT['MIN_SCORE']) for this model: {why}.",
        "",
    ]
    if refit_threshold is not None:
        lines += [
            "This model was trained again on every section (train + dev pairs) after the "
            "guard passed; the dev metrics above are those of the guarded model.",
            "",
        ]
    return "\n".join(lines)


def run_training(
    pairs_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    config: TrainConfig | None = None,
    activate: bool = True,
    seed: int = 42,
    dev_fraction: float = 0.2,
    progress: Progress | None = None,
    rebuild: Callable[[], object] | None = None,
    show_progress_bar: bool = True,
    refit: bool = False,
    corpus: str | Path | None = None,
) -> dict:
    """Pairs (made now unless given) → fine-tune → dev metrics of base and tuned → guard.

    ``corpus``: make the pairs from another corpus (a BEIR folder or a JSONL of
    passages) instead of the site. A model trained on pairs that were not made
    from the site (stats.json says so) is never activated nor refit: the site's
    index and active model stay as they are.

    ``refit``: once the guard passes, train again on every section (train +
    dev pairs) into ``<out>/final`` and activate that one: the dev split has
    done its job (choosing), and the served model then knows every section.

    ``progress(fraction, stage)`` covers the whole run. ``rebuild()`` is
    called after an activation (default: ``site_assistant.rebuilds.serve_model``).
    """
    from . import pairs as pairs_mod

    problem = missing_extra()
    if problem:
        raise RuntimeError(problem)
    config = config or TrainConfig(seed=seed)
    out = Path(out_dir) if out_dir else new_model_dir()
    report = progress or (lambda fraction, stage: None)

    report(0.0, "making pairs")
    if pairs_dir is None and corpus is not None:
        passages = pairs_mod.read_corpus(corpus)
        pair_set = pairs_mod.build_pairs(passages, seed=seed, dev_fraction=dev_fraction)
        pairs_dir = out / "pairs"
        pairs_mod.write_pairs(pair_set, pairs_dir, f"corpus {Path(corpus).resolve()}", site=False)
    elif pairs_dir is None:
        passages, origin = pairs_mod.load_passages()
        extra, problems = pairs_mod.human_questions(passages)
        pair_set = pairs_mod.build_pairs(
            passages, seed=seed, dev_fraction=dev_fraction, extra=extra
        )
        pairs_dir = out / "pairs"
        pairs_mod.write_pairs(pair_set, pairs_dir, origin, problems)
    pairs_dir = Path(pairs_dir)
    off = words.ACTIVATION_OFF.english()
    if not pairs_mod.made_from_site(pairs_dir):
        activate, refit, off = False, False, words.PAIRS_FROM_ELSEWHERE.english()

    try:
        # The evaluations too run on the training's threads (serving's setting,
        # SITE_ASSISTANT["TORCH_THREADS"], is usually 1).
        with torch_threads(config.threads):
            return _train_and_guard(
                pairs_dir, out, config, activate, refit, report, rebuild, show_progress_bar, off
            )
    finally:
        # The pairs kept with the model must not outlive the question log.
        drop_kept_visitor_questions(out)


def progress_bar(refit: bool) -> dict:
    """Where each stage of a run sits on its progress bar (0 to 1).

    A run that will refit trains as many steps again after the comparison: each
    training gets a like share of the bar, so the bar, and the admin's estimate
    of the time left from its pace, follow the time (the refit sat at 86% with
    no step count for as long as the first training took). A run whose model
    fails the comparison skips the refit and ends early.
    """
    if refit:
        return {
            "training": (0.05, 0.45),
            "evaluating": 0.46,
            "natural": 0.48,
            "refit": (0.50, 0.92),
            "activating": 0.95,
        }
    return {
        "training": (0.05, 0.80),
        "evaluating": 0.82,
        "natural": 0.84,
        "refit": None,
        "activating": 0.95,
    }


def _train_and_guard(
    pairs_dir: Path,
    out: Path,
    config: TrainConfig,
    activate: bool,
    refit: bool,
    report: Progress,
    rebuild: Callable[[], object] | None,
    show_progress_bar: bool,
    off: str = "activation off",
) -> dict:
    """run_training's steps once the pairs exist: train, evaluate, guard, refit, activate."""
    bar = progress_bar(refit=activate and refit)

    def within(stage):
        """A training's progress (0 to 1) as its stage's span of the run's bar."""
        start, end = bar[stage]
        return lambda fraction, message: report(
            start + (end - start) * fraction, f"{stage}: {message}"
        )

    result = train(
        pairs_dir, out, config, progress=within("training"), show_progress_bar=show_progress_bar
    )
    report(bar["evaluating"], "evaluating the base and the tuned model")
    base_ref = result["base_model"]
    from . import guard

    base = _dev_retrievers(pairs_dir, base_ref)
    base_metrics = base.metrics("dense")
    tuned = _dev_retrievers(pairs_dir, str(out))
    tuned_metrics = tuned.metrics("dense")
    threshold = recommend_min_score(tuned.top_scores(), tuned.best_scores(NONSENSE_QUERIES))
    evidence = {
        "base": guard.per_query(base),
        "tuned": guard.per_query(tuned),
        "kinds": tuned.eval_set.groups,
    }
    natural = guard.natural_qids(tuned.eval_set.groups)
    if natural:
        report(bar["natural"], "evaluating natural questions against the answers alone")
        evidence["natural_base"] = guard.answer_only(pairs_dir, base_ref, natural)
        evidence["natural_tuned"] = guard.answer_only(pairs_dir, str(out), natural)
    ok, decision = should_activate(base_metrics, tuned_metrics, evidence=evidence)
    if ok and not activate:
        figures = decision.removeprefix("activated: ")
        decision = words.NOT_ACTIVATED_THOUGH.english(off=off, figures=figures)
    meta = {
        "model_dir": str(out),
        "base_model": base_ref,
        "pairs_dir": str(pairs_dir),
        **{k: result[k] for k in TRAINED_COUNTS},
        "train_seconds": result["train_seconds"],
        "config": result["config"],
        "metrics": {"base": base_metrics, "tuned": tuned_metrics},
        "card_metrics": result["card_metrics"],
        "guard": {"metric": GUARD_METRIC, "passed": ok, **evidence.get("found", {})},
        "decision": decision,
        **threshold,
    }
    write_model_meta(out, meta)
    _clean_card(out, _comparison_section(base_metrics, tuned_metrics, decision, threshold))
    served = out
    if ok and activate and refit:
        report(bar["refit"][0], "refit: training again on every section")
        served = out / "final"
        refit_result = train(
            all_pairs(pairs_dir, out / "pairs-all"),
            served,
            config,
            progress=within("refit"),
            show_progress_bar=show_progress_bar,
        )
        # The refit model has no unseen dev questions to set a threshold on: it
        # keeps the guarded model's, raised if nonsense now scores closer to it.
        # It is about to serve: the site's vectors embedded for this stay in the
        # cache, and the index build that serves it reads them from there.
        report(bar["refit"][1], "refit: setting its answer threshold")
        refit_nonsense_max = max(nonsense_scores(pairs_dir, str(served), store=True))
        refit_threshold = {
            "recommended_min_score": round(
                max(threshold["recommended_min_score"], refit_nonsense_max + NONSENSE_MARGIN), 3
            ),
            "nonsense_max": round(refit_nonsense_max, 3),
        }
        meta["refit"] = {
            "model_dir": str(served),
            **{k: refit_result[k] for k in TRAINED_COUNTS},
            "train_seconds": refit_result["train_seconds"],
            **refit_threshold,
        }
        write_model_meta(
            served,
            {**meta, **refit_threshold, "model_dir": str(served), "refit_of": str(out)},
        )
        _clean_card(
            served,
            _comparison_section(base_metrics, tuned_metrics, decision, threshold, refit_threshold),
        )
    if ok and activate:
        report(bar["activating"], "activating and rebuilding the index")
    activated, rebuilt = apply_decision(
        served, base_metrics, tuned_metrics, activate, rebuild, passed=ok
    )
    meta["served_model_dir"] = str(served)
    # The answer threshold of the model served (the refit one's own, if refit).
    meta["served_min_score"] = meta.get("refit", threshold)["recommended_min_score"]
    meta["activated"] = activated
    if rebuilt is not None:
        meta["rebuild"] = str(rebuilt)
    write_model_meta(out, meta)
    prune_models(just_made=out)
    report(1.0, "done")
    return meta


def apply_decision(
    model_dir: str | Path,
    base_metrics: dict,
    tuned_metrics: dict,
    activate: bool = True,
    rebuild: Callable[[], object] | None = None,
    passed: bool | None = None,
):
    """Activate ``model_dir`` and rebuild the index only if the guard passes.

    ``passed``: the guard's verdict, if already judged (else judged on the
    mean metrics). Returns (activated, what rebuild() returned or None).
    """
    ok = should_activate(base_metrics, tuned_metrics)[0] if passed is None else passed
    if not (ok and activate):
        return False, None
    if rebuild is None:
        from ..rebuilds import serve_model

        return True, serve_model(str(model_dir))
    from .. import embed

    embed.set_active_model(str(model_dir))
    return True, rebuild()


def all_pairs(pairs_dir: str | Path, out: str | Path) -> Path:
    """train.jsonl of ``out`` = every train and dev pair of ``pairs_dir`` (for a refit)."""
    import shutil

    pairs_dir, out = Path(pairs_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    texts = {str(r["_id"]): r["text"] for r in read_jsonl(pairs_dir / "corpus.jsonl")}
    rows = read_jsonl(pairs_dir / "train.jsonl")
    for row in read_jsonl(pairs_dir / "dev.jsonl"):
        rows.append(
            {
                "question": row["question"],
                "passage": texts[str(row["passage_id"])],
                "passage_id": row["passage_id"],
                "kind": row.get("kind", ""),
                "source": row.get("source", ""),
            }
        )
    with open(out / "train.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    shutil.copy(pairs_dir / "corpus.jsonl", out / "corpus.jsonl")
    return out
