# judged-true pool items -> fixture rows (batch 2026-12-03T12:00:00Z)
import json, glob
FIX = "/work/main/bambicim/fixtures/search_example_questions.json"
key = json.load(open("/tmp/exp/key_private.json"))
ans = {}
for f in glob.glob("/tmp/exp/judge/answers_*.jsonl"):
    for line in open(f):
        if line.strip():
            r = json.loads(line); ans[str(r["item"])] = r
rows = json.load(open(FIX))
rows = [r for r in rows if r["fields"]["created"] != "2026-12-03T12:00:00Z"]
by_pk = {r["pk"]: r["fields"] for r in rows}
o = json.load(open("/tmp/exp/owner.json"))
by_text = {" ".join(r["fields"]["question"].split()).casefold(): r["fields"]["question"] for r in rows}
have = {(r["fields"]["question"].casefold(), r["fields"]["url"]) for r in rows}
new = []
for iid, k in sorted(key.items(), key=lambda kv: (int(kv[1]["qid"][1:]), kv[1]["link"])):
    if k["kind"] != "pool" or iid not in ans or ans[iid]["answers"] is not True:
        continue
    # DB pks are not the fixture's: find the fixture row by its question text.
    q = by_text[" ".join(o["queries"][k["qid"]].split()).casefold()]
    url = k["link"][:-1] if k["link"].endswith("#") else k["link"]
    if (q.casefold(), url) in have:
        continue
    have.add((q.casefold(), url))
    new.append((q, url))
pk = max(by_pk) + 1
for q, url in new:
    rows.append({"model": "search.examplequestion", "pk": pk, "fields": {"question": q, "url": url, "active": True, "created": "2026-12-03T12:00:00Z"}})
    pk += 1
open(FIX, "w").write(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
print("added", len(new), "rows; total", len(rows))
