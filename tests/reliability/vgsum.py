#!/usr/bin/env python3
"""vgsum.py: sums the valgrind memcheck logs of scripts/reliability's row 11 into one JSON line.

    vgsum.py --dir DIR --root REPO BIN...

DIR/BIN.out is what the test binary BIN printed (Criterion's "Synthesis" line and its [FAIL]
lines) and DIR/BIN/vg.PID.log one valgrind log per process (the Criterion runner, each test's
child, and the programs the tests start from the build tree). Each log's findings are split in
two by their allocation or open stack:

  kfk      the stack passes through a file under REPO/src or REPO/tests (kfk or its tests:
           a finding to fix)
  harness  every other stack: Criterion's runner and its IPC, libc, the fds a child inherits
           (valgrind's own log file, Criterion's /dev/shm arena), which are not kfk's doing
  failed   a kfk stack inside a test that failed under valgrind (Criterion's [FAIL] line): a
           test stopped by an assertion or its timeout leaves what it had open; reported apart

Figures: processes, logs without a summary (killed by a test, as a SIGKILL test does), memory
errors, definitely / indirectly / possibly lost bytes, leaked fds (kfk ones; stdin, stdout and
stderr are never counted), each split kfk/harness, and the worst offenders: the distinct stacks
with their first kfk frame, bytes and how many processes showed them.
"""
import argparse
import collections
import glob
import json
import os
import re
import sys

LEAK_RE = re.compile(r"^([\d,]+) (?:\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are "
                     r"(definitely|indirectly|possibly) lost")
FRAME_RE = re.compile(r"^\s+(?:at|by) 0x[0-9A-Fa-f]+: (.*)$")
SKIP_HEADERS = ("Memcheck,", "Copyright", "Using Valgrind", "Command:", "Parent PID:",
                "HEAP SUMMARY", "LEAK SUMMARY", "in use at exit", "total heap usage",
                "All heap blocks", "For lists of", "For counts of", "ERROR SUMMARY",
                "FILE DESCRIPTORS", "Rerun with", "To see them", "Reachable blocks",
                "Use --track-origins", "definitely lost:", "indirectly lost:", "possibly lost:",
                "still reachable:", "suppressed:", "Process terminating", "If you believe",
                "Searching for pointers", "Checked ")


def num(s):
    return int(s.replace(",", ""))


def blocks(path):
    """The log's blocks: lists of lines (prefix '==PID== ' removed), split at empty lines."""
    cur = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^==\d+== ?(.*)$", line)
            if not m:
                continue
            body = m.group(1)
            if body.strip() == "":
                if cur:
                    yield cur
                cur = []
            else:
                cur.append(body)
    if cur:
        yield cur


def frames_of(lines):
    out = []
    for l in lines:
        m = FRAME_RE.match(l)
        if m:
            out.append(m.group(1).strip())
    return out


def stack_of(lines):
    """The frames with valgrind's section lines ("Address ... free'd", "Block was alloc'd at")
    kept between them, for the report."""
    out = []
    for l in lines:
        m = FRAME_RE.match(l)
        if m:
            out.append(m.group(1).strip())
        elif l.strip().startswith(("Address ", "Block was alloc'd")):
            out.append("-- " + l.strip())
    return out


def test_of(frames):
    """The Criterion test a stack runs in ('suite_name_impl' -> 'suite_name'), or None."""
    for fr in frames:
        m = re.match(r"^(\w+)_(?:impl|jmp) \(", fr)
        if m:
            return m.group(1)
    return None


def first_kfk_frame(frames, root):
    for fr in frames:
        if root + "/src/" in fr or root + "/tests/" in fr:
            return fr.replace(root + "/", "")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    root = os.path.realpath(a.root)
    tot = collections.Counter()
    offenders = {}  # (kind, stack key) -> dict
    tests = collections.Counter()
    failed_tests = []
    failed_fn = set()
    per_bin = {}
    for b in a.bins:
        bt = collections.Counter()
        out = os.path.join(a.dir, b + ".out")
        if os.path.exists(out):
            with open(out, errors="replace") as f:
                for line in f:
                    m = re.search(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| "
                                  r"Crashing: (\d+)", line)
                    if m:
                        for k, v in zip(("tested", "passing", "failing", "crashing"), m.groups()):
                            bt[k] += int(v)
                    m = re.search(r"\[FAIL\] (\S+)", line)
                    if m:
                        name = m.group(1).rstrip(":")
                        failed_tests.append("%s %s" % (b, name))
                        failed_fn.add(name.replace("::", "_"))
        for log in sorted(glob.glob(os.path.join(a.dir, b, "vg.*.log"))):
            bt["processes"] += 1
            summary = False
            for blk in blocks(log):
                if any(l.startswith("ERROR SUMMARY") for l in blk):
                    summary = True
                    continue
                if blk[0].startswith("FILE DESCRIPTORS") and len(blk) > 1:
                    blk = blk[1:]  # the first fd follows the count with no empty line
                head = blk[0].strip()
                fr = frames_of(blk[1:])
                kf = first_kfk_frame(fr, root)
                who = "kfk" if kf else "harness"
                test = test_of(fr)
                # A test that failed under valgrind (an assertion, its timeout) stops midway
                # and leaves what it had open: counted apart.
                if who == "kfk" and test in failed_fn:
                    who = "failed_test"
                m = LEAK_RE.match(head)
                if m:
                    kind = m.group(2)
                    bt["%s_lost_%s" % (kind, who)] += num(m.group(1))
                    key = (kind, who, tuple(fr[:8]))
                elif head.startswith("Open "):
                    fdno = re.search(r"(?:descriptor|socket) (\d+)", head)
                    if fdno and int(fdno.group(1)) <= 2:
                        continue
                    if any("<inherited from parent>" in l for l in blk[1:]):
                        who, kf = "harness", None
                    kind = "fd"
                    bt["fds_%s" % who] += 1
                    key = (kind, who, head.split(":", 1)[-1].strip()[:60], tuple(fr[:8]))
                elif head.startswith(SKIP_HEADERS) or head.startswith("Warning:") or not fr:
                    continue
                else:
                    kind = "error"
                    bt["errors_%s" % who] += 1
                    key = (kind, who, head, tuple(fr[:8]))
                o = offenders.setdefault(key, {"kind": kind, "who": who, "what": head,
                                               "at": kf or (fr[0] if fr else "-"), "bytes": 0,
                                               "times": 0, "bin": b, "test": test,
                                               "stack": stack_of(blk[1:])[:24]})
                o["times"] += 1
                if m and kind != "fd" and kind != "error":
                    o["bytes"] += num(m.group(1))
            if not summary:
                bt["no_summary"] += 1
        per_bin[b] = dict(bt)
        tot.update(bt)
    kfk_off = [o for o in offenders.values() if o["who"] == "kfk"]
    kfk_off.sort(key=lambda o: (o["kind"] != "error", -o["bytes"], -o["times"]))
    harness_off = sorted((o for o in offenders.values() if o["who"] == "harness"),
                         key=lambda o: (-o["bytes"], -o["times"]))
    failed_off = [o for o in offenders.values() if o["who"] == "failed_test"]
    res = {
        "binaries": len(a.bins),
        "tests": tot["tested"], "passing": tot["passing"], "failing": tot["failing"],
        "crashing": tot["crashing"], "failed_tests": failed_tests[:20],
        "processes": tot["processes"], "no_summary": tot["no_summary"],
        "errors": tot["errors_kfk"], "errors_harness": tot["errors_harness"],
        "definitely_lost": tot["definitely_lost_kfk"],
        "indirectly_lost": tot["indirectly_lost_kfk"],
        "possibly_lost": tot["possibly_lost_kfk"],
        "definitely_lost_harness": tot["definitely_lost_harness"],
        "indirectly_lost_harness": tot["indirectly_lost_harness"],
        "possibly_lost_harness": tot["possibly_lost_harness"],
        "leaked_fds": tot["fds_kfk"], "harness_fds": tot["fds_harness"],
        "offenders": ["%s %s at %s (%s%d process(es), %s)" % (
            o["kind"], o["what"][:80] if o["kind"] in ("error", "fd") else "",
            o["at"], "%d B, " % o["bytes"] if o["bytes"] else "", o["times"], o["bin"])
            for o in kfk_off[:8]],
        "offender_stacks": [{"kind": o["kind"], "what": o["what"], "bin": o["bin"], "test": o["test"],
                             "times": o["times"], "bytes": o["bytes"], "stack": o["stack"]}
                            for o in kfk_off[:20] + failed_off[:5]],
        "in_failed_tests": "errors %d, definitely lost %d B, indirectly lost %d B, fds %d" % (
            tot["errors_failed_test"], tot["definitely_lost_failed_test"],
            tot["indirectly_lost_failed_test"], tot["fds_failed_test"]),
        "failed_test_offenders": ["%s %s at %s in %s" % (o["kind"], o["what"][:60], o["at"], o["test"])
                                  for o in failed_off[:5]],
        "harness_offenders": ["%s %s at %s (%d)" % (o["kind"], o["what"][:60], o["at"], o["times"])
                              for o in harness_off[:5]],
        "per_binary": per_bin,
    }
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()
