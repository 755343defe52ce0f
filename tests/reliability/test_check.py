#!/usr/bin/env python3
"""test_check.py: check.py's oracles fail when they must. Synthetic logs with one defect each (a
lost record, a duplicate, a reordering, a false "never written" report, overlapping lock
holders, a fence going back) must each be counted; clean logs must count nothing. Run by
scripts/reliability before any row; `python3 tests/reliability/test_check.py` alone."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args):
    out = subprocess.run([sys.executable, os.path.join(HERE, "check.py")] + list(args),
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def write(d, name, lines):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    return p


def produce_case(d, deliveries, consumed):
    return run("produce", "--deliveries", write(d, "dl", deliveries), "--consumed",
               write(d, "cn", consumed), "--partitions", "2")


def dl(i, err="NONE", off=None):
    return "%d %d %d %s 1000 1000" % (i, i % 2, i // 2 if off is None else off, err)


def cn(i, off=None):
    return "%d %d %010d" % (i % 2, i // 2 if off is None else off, i)


def main():
    fails = 0

    def expect(name, got, want):
        nonlocal fails
        bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
        print("%-28s %s" % (name, "ok" if not bad else "WRONG %s" % bad))
        fails += bool(bad)

    with tempfile.TemporaryDirectory() as d:
        ids = range(10)
        clean = produce_case(d, [dl(i) for i in ids], [cn(i) for i in ids])
        expect("produce: clean", clean, {"lost": 0, "duplicated": 0, "reordered": 0, "gaps": 0})
        r = produce_case(d, [dl(i) for i in ids], [cn(i) for i in ids if i != 4])
        expect("produce: one lost", r, {"lost": 1, "gaps": 1})
        r = produce_case(d, [dl(i) for i in ids], [cn(i) for i in ids] + ["1 5 %010d" % 3])
        expect("produce: one duplicate", r, {"duplicated": 1, "lost": 0})
        swapped = [cn(i) for i in ids]
        swapped[0], swapped[2] = "0 0 %010d" % 2, "0 1 %010d" % 0
        r = produce_case(d, [dl(i) for i in ids], swapped)
        expect("produce: reordered", r, {"reordered": 1})
        r = produce_case(d, [dl(i) if i != 5 else dl(5, "_MSG_TIMED_OUT", -1) for i in ids],
                         [cn(i) for i in ids])
        expect("produce: false timeout", r, {"failed": 1, "failed_present": {"_MSG_TIMED_OUT": 1}})
        r = run("consume", "--deliveries", write(d, "dl2", [dl(i) for i in ids]), "--consumed",
                write(d, "cn2", [cn(i) for i in range(6)] + ["#kill 0"] +
                      [cn(i) for i in range(4, 9)]))
        expect("consume: lost and dups", r, {"lost": 1, "duplicated": 2, "dup_per_kill_max": 2})
        g = write(d, "g1", ["k 1 0 10 a 0 0", "k 2 10 20 b 0 0", "j 1 0 5 a 0 0"])
        expect("lock: clean", run("lock", g), {"overlaps": 0, "fences_not_rising": 0})
        g = write(d, "g2", ["k 1 0 10 a 0 0", "k 2 9 20 b 0 0"])
        expect("lock: overlap", run("lock", g), {"overlaps": 1})
        g = write(d, "g3", ["k 2 0 10 a 0 0", "k 1 10 20 b 0 0"])
        expect("lock: fence back", run("lock", g), {"fences_not_rising": 1})
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
