#!/usr/bin/env python3
"""Turn the JSON of one tenet-bench run into a markdown table.

    results_md.py FILE.json COLUMN[,COLUMN...] [--where KEY=VALUE ...]

One row per result object (rows filtered by --where), the columns in the
order given; a column no row has is left out, a cell a row lacks is "-".
Numbers: Mpps with 3 decimals, ns and us with 0 and 1, ratios with 2.
Used by scripts/results.sh to write docs/results/*.md.
"""
import json
import sys


def fmt(key, v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if key.endswith("_mpps"):
            return "%.3f" % v
        if key.endswith("_us"):
            return "%.1f" % v
        if key.endswith("_ns_per_pkt") or key.endswith("_ns"):
            return "%.0f" % v
        return "%.4g" % v
    return str(v)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        rows = json.load(f)
    cols = argv[2].split(",")
    where = []
    for w in argv[3:]:
        if w == "--where":
            continue
        k, _, v = w.partition("=")
        where.append((k, v))
    rows = [r for r in rows if all(str(r.get(k)) == v for k, v in where)]
    cols = [c for c in cols if any(c in r for r in rows)]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(fmt(c, r.get(c)) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
