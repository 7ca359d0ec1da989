"""Measure a labelled set through the CLI as a user would: import into a fresh SQLite database,
then `suggest KEY… --limit 10 --json --as-of 2026`; check decoys and that evidence is verbatim.

    python eval/measure_cli.py SET.json SET-labels.json RESULT.json
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if len(sys.argv) != 4:
    sys.exit(__doc__)
data, labels_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
labels = json.load(open(labels_path))
doc = json.load(open(data))
new = {k: v for k, v in labels.items() if not k.startswith("_")}
decoys = set(labels.get("_decoys", []))
tmp = tempfile.mkdtemp()
env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/m.db", SECRET_KEY="x" * 40)
run = lambda *a: subprocess.run(
    ["flask", "--app", "wsgi", *a], env=env, capture_output=True, text=True, cwd=ROOT
)
r = run("init-db")
assert r.returncode == 0, r.stderr
r = run("import-profiles", data)
print(r.stdout.strip(), r.stderr.strip()[:500])
r = run("suggest", *new, "--limit", "10", "--json", "--as-of", "2026")
assert r.returncode == 0, r.stderr
if r.stderr.strip():
    print("stderr:", r.stderr.strip()[:500])
res = json.loads(r.stdout)
by = {p["key"]: p for p in doc["partnerships"]}
h1 = h3 = 0
mrr = 0.0
rows = []
dec = 0
unexplained = 0
verbatim_bad = 0
chips = 0
for k, lab in new.items():
    keys = [s["key"] for s in res[k]]
    acc = set(lab["acceptable"]) | {lab["primary"]}
    rank = keys.index(lab["primary"]) + 1 if lab["primary"] in keys else None
    h1 += rank == 1
    h3 += any(x in acc for x in keys[:3])
    mrr += 1 / rank if rank else 0
    dec += sum(x in decoys for x in keys[:3])
    for s in res[k][:3]:
        if not s["evidence"]:
            unexplained += 1
        m = by[s["key"]]
        offer = (
            m["experiences"]
            + "".join(st["title"] + st["text"] for st in m.get("stories", []))
            + m.get("description", "")
        )
        for e in s["evidence"]:
            mt = e["mentor_text"]
            ok = (
                mt in m["experiences"]
                or mt in m.get("description", "")
                or any(mt in f"{st['title']}\n{st['text']}" for st in m.get("stories", []))
            )
            if not ok or e["own_text"] not in by[k]["challenges"]:
                verbatim_bad += 1
    margin = (res[k][0]["score"] - res[k][1]["score"]) if rank == 1 and len(res[k]) > 1 else None
    rows.append(
        {
            "key": k,
            "category": lab.get("category", ""),
            "rank": rank,
            "top3": keys[:3],
            "margin": margin,
        }
    )
n = len(new)
summary = {
    "n": n,
    "hit@1": round(h1 / n, 3),
    "hit@3": round(h3 / n, 3),
    "mrr": round(mrr / n, 3),
    "decoys_in_top3": dec,
    "top3_without_evidence": unexplained,
    "evidence_not_verbatim": verbatim_bad,
    "smallest_margin": round(
        min([r["margin"] for r in rows if r["margin"] is not None], default=0), 3
    ),
}
cats = {}
for r in rows:
    cats.setdefault(r["category"], []).append(r)
summary["categories"] = {
    c: {
        "n": len(v),
        "hit@1": round(sum(x["rank"] == 1 for x in v) / len(v), 2),
        "hit@3": round(
            sum(
                any(
                    y in (set(new[x["key"]]["acceptable"]) | {new[x["key"]]["primary"]})
                    for y in x["top3"]
                )
                for x in v
            )
            / len(v),
            2,
        ),
        "mrr": round(sum(1 / x["rank"] if x["rank"] else 0 for x in v) / len(v), 2),
    }
    for c, v in sorted(cats.items())
}
json.dump(
    {"summary": summary, "rows": rows, "suggest": res}, open(out, "w"), ensure_ascii=False, indent=1
)
print(json.dumps(summary, indent=1))
