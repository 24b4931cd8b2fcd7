# copy a pairs folder, adding judged-true sections to each owner dev question's relevant ids
import json, shutil, sys, collections
from judgments import answers, fold, judged_true_pool, load
src, dst = sys.argv[1], sys.argv[2]
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst)
key, o, S = load("key_private.json"), load("owner.json"), load("sections.json")
extra = collections.defaultdict(set)  # folded question -> ids
for iid, k in judged_true_pool(key, answers()):
    extra[fold(o["queries"][k["qid"]])] |= set(S[k["link"]]["ids"])
rows = [json.loads(l) for l in open(f"{dst}/dev.jsonl") if l.strip()]
changed = 0
for r in rows:
    add = extra.get(fold(r["question"]))
    if add:
        rel = {str(x) for x in r["relevant"]}
        if add - rel:
            changed += 1
        r["relevant"] = sorted(int(x) if x.isdigit() else x for x in rel | add)
open(f"{dst}/dev.jsonl", "w").write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
print("dev questions", len(rows), "with more relevant sections", changed)
