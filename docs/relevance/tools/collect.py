import json, glob, collections
key = json.load(open("/tmp/exp/key_private.json"))
o = json.load(open("/tmp/exp/owner.json"))
ans = {}
for f in sorted(glob.glob("/tmp/exp/judge/answers_*.jsonl")):
    for line in open(f):
        if line.strip():
            r = json.loads(line); ans[str(r["item"])] = r
print("answered", len(ans), "of", len(key))
c = collections.Counter()
for iid, k in key.items():
    if iid in ans:
        c[(k["kind"], bool(ans[iid]["answers"]))] += 1
print(sorted(c.items()))
pos_true = c[("pos", True)]; pos_all = pos_true + c[("pos", False)]
neg_false = c[("neg", False)]; neg_all = neg_false + c[("neg", True)]
print(f"label-positive controls judged true {pos_true}/{pos_all}; random negatives judged false {neg_false}/{neg_all}")
for iid, k in key.items():
    if iid in ans and k["kind"] in ("pos","neg") and ans[iid]["answers"] != (k["kind"]=="pos"):
        print("  control disagreement", k["kind"], o["queries"][k["qid"]], "->", k["link"], "|", ans[iid].get("why"))
