# judged-true pool items -> fixture rows (batch 2026-12-03T12:00:00Z)
import json
from judgments import answers, fold, judged_true_pool, load
FIX = "/work/main/bambicim/fixtures/search_example_questions.json"
key, o, ans = load("key_private.json"), load("owner.json"), answers()
rows = json.load(open(FIX))
rows = [r for r in rows if r["fields"]["created"] != "2026-12-03T12:00:00Z"]
by_text = {fold(r["fields"]["question"]): r["fields"]["question"] for r in rows}
have = {(r["fields"]["question"].casefold(), r["fields"]["url"]) for r in rows}
new = []
for iid, k in judged_true_pool(key, ans):
    # DB pks are not the fixture's: find the fixture row by its question text.
    q = by_text[fold(o["queries"][k["qid"]])]
    url = k["link"][:-1] if k["link"].endswith("#") else k["link"]
    if (q.casefold(), url) in have:
        continue
    have.add((q.casefold(), url))
    new.append((q, url))
pk = max(r["pk"] for r in rows) + 1
for q, url in new:
    rows.append({"model": "search.examplequestion", "pk": pk, "fields": {"question": q, "url": url, "active": True, "created": "2026-12-03T12:00:00Z"}})
    pk += 1
open(FIX, "w").write(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
print("added", len(new), "rows; total", len(rows))
