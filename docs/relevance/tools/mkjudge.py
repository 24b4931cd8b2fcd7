import json, random, collections
d = json.load(open("/tmp/exp/rank_dense.json")); b = json.load(open("/tmp/exp/rank_bm25.json"))
o = json.load(open("/tmp/exp/owner.json")); S = json.load(open("/tmp/exp/sections.json"))
link_of = {i: link for link, s in S.items() for i in s["ids"]}
Q, L = o["queries"], o["labels"]
items = []  # (qid, link, kind)
for qid in Q:
    cand = [link_of[x] for x in d[qid][:3]] + [link_of[x] for x in b[qid][:2]]
    seen = set()
    for link in cand:
        if link != L[qid] and link not in seen:
            seen.add(link); items.append((qid, link, "pool"))
rng = random.Random(7)
qids = sorted(Q)
for qid in rng.sample(qids, 60):
    items.append((qid, L[qid], "pos"))
links = sorted(S)
for qid in rng.sample(qids, 50):
    top = {link_of[x] for x in d[qid] + b[qid]} | {L[qid]}
    items.append((qid, rng.choice([l for l in links if l not in top]), "neg"))
print(collections.Counter(k for _, _, k in items))
ids = rng.sample(range(10000, 99999), len(items))
key = {}
bysec = collections.defaultdict(list)
for (qid, link, kind), iid in zip(items, ids):
    key[str(iid)] = {"qid": qid, "link": link, "kind": kind}
    bysec[link].append({"item": str(iid), "question": Q[qid]})
json.dump(key, open("/tmp/exp/key_private.json", "w"), indent=1)
N = int(__import__("sys").argv[1])
secs = sorted(bysec, key=lambda l: -len(bysec[l]))
batches = [[] for _ in range(N)]
for l in secs:  # greedy balance
    min(batches, key=lambda bt: sum(len(bysec[x]) for x in bt)).append(l)
for n, bt in enumerate(batches):
    its = []
    for l in sorted(bt):
        for it in sorted(bysec[l], key=lambda x: x["item"]):
            its.append({"item": it["item"], "section": l, "question": it["question"]})
    json.dump({"sections": {l: S[l] | {"ids": None} for l in sorted(bt)}, "items": its},
              open(f"/tmp/exp/judge/batch_{n}.json", "w"), indent=1, ensure_ascii=False)
    print(n, len(bt), len(its))
