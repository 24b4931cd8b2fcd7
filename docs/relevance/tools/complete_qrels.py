# copy a pairs folder, adding judged-true sections to each owner dev question's relevant ids
import json, glob, shutil, sys, collections
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst)
key = json.load(open("/tmp/exp/key_private.json")); o = json.load(open("/tmp/exp/owner.json"))
S = json.load(open("/tmp/exp/sections.json"))
ans = {}
for f in glob.glob("/tmp/exp/judge/answers_*.jsonl"):
    for line in open(f):
        if line.strip():
            r = json.loads(line); ans[str(r["item"])] = r
extra = collections.defaultdict(set)  # folded question -> ids
for iid, k in key.items():
    if k["kind"] == "pool" and ans.get(iid, {}).get("answers") is True:
        extra[" ".join(o["queries"][k["qid"]].split()).casefold()] |= set(S[k["link"]]["ids"])
rows = [json.loads(l) for l in open(f"{dst}/dev.jsonl") if l.strip()]
changed = 0
for r in rows:
    add = extra.get(" ".join(r["question"].split()).casefold())
    if add:
        rel = {str(x) for x in r["relevant"]}
        if add - rel:
            changed += 1
        r["relevant"] = sorted(int(x) if x.isdigit() else x for x in rel | add)
open(f"{dst}/dev.jsonl", "w").write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
print("dev questions", len(rows), "with more relevant sections", changed)
