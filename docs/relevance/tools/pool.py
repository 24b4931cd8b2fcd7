import json, collections
from search.training import pairs, evaluate
from search.training.pairs import section_key
from search.examples import split_link, find_passage
from search.models import ExampleQuestion
passages, src = pairs.load_passages()
corpus = evaluate.passages_corpus(passages)
by_section = collections.defaultdict(set)
for p in passages:
    by_section[section_key(p)].add(str(p["id"]))
queries, qrels, labels = {}, {}, {}
for eq in ExampleQuestion.objects.filter(active=True).order_by("pk"):
    url, anchor = split_link(eq.url)
    if not anchor:
        continue
    pos = find_passage(passages, url, anchor)
    if pos is None:
        continue
    key = section_key(passages[pos])
    qid = f"e{eq.pk}"
    queries[qid] = " ".join(eq.question.split())
    qrels[qid] = by_section[key]
    labels[qid] = f"{key[0]}#{key[1]}"
es = evaluate.EvalSet("owner", corpus, queries, qrels, site=True)
r = evaluate.Retrievers(es)
json.dump(r.rankings("dense", depth=10), open("/tmp/exp/rank_dense.json", "w"))
json.dump(r.rankings("bm25", depth=10), open("/tmp/exp/rank_bm25.json", "w"))
json.dump({"queries": queries, "labels": labels}, open("/tmp/exp/owner.json", "w"))
sections = {}
for key, ids in by_section.items():
    ps = sorted((p for p in passages if str(p["id"]) in ids), key=lambda p: (p.get("position", 0), p["id"]))
    sections[f"{key[0]}#{key[1]}"] = {"title": ps[0].get("title", ""), "heading": ps[0].get("heading", ""),
        "text": "\n".join(p["text"] for p in ps), "ids": sorted(ids)}
json.dump(sections, open("/tmp/exp/sections.json", "w"))
print(len(queries), len(sections), src)
