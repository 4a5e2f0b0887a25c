"""Summarize bench/out/results.jsonl: the median of each measure per peer."""
import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    rows[r["measure"]][r["peer"]].append(float(r["value"]))
peers = sorted({p for m in rows.values() for p in m})
print("| measure | " + " | ".join(peers) + " |")
print("|---|" + "---|" * len(peers))
for measure in sorted(rows):
    cells = []
    for p in peers:
        v = rows[measure].get(p)
        cells.append("%.3f" % statistics.median(v) if v else "—")
    print("| %s | %s |" % (measure, " | ".join(cells)))
