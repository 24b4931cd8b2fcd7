"""What the judging scripts share: the run's files under /tmp/exp and the judged items."""
import glob, json

EXP = "/tmp/exp"


def load(name):
    return json.load(open(f"{EXP}/{name}"))


def answers():
    """item id -> {"item", "answers", "why"}, from every answers_N.jsonl."""
    found = {}
    for path in sorted(glob.glob(f"{EXP}/judge/answers_*.jsonl")):
        for line in open(path):
            if line.strip():
                row = json.loads(line)
                found[str(row["item"])] = row
    return found


def fold(question):
    return " ".join(question.split()).casefold()


def judged_true_pool(key, ans):
    """(item id, key entry) of every pool item judged to answer, ordered by question, section."""
    items = [(iid, k) for iid, k in key.items()
             if k["kind"] == "pool" and ans.get(iid, {}).get("answers") is True]
    return sorted(items, key=lambda item: (int(item[1]["qid"][1:]), item[1]["link"]))
