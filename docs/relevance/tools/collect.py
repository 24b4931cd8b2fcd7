import collections
from judgments import answers, load
key, o, ans = load("key_private.json"), load("owner.json"), answers()
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
