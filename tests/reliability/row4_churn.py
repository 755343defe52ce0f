#!/usr/bin/env python3
"""row4_churn.py: row 4 of scripts/reliability, rebalance churn, orchestration and oracle.

Group members are kfk_test_group_member processes (tests/integration/group_member.c: one kfk
consumer each, logging J/A/R/L/S/D/C events with CLOCK_MONOTONIC milliseconds, one write(2)
per line so a SIGKILL loses no finished line). While rel_produce sends to a 12-partition topic,
the member count goes 1 -> 4 -> 2 -> 6 with SIGTERM for the removals, then 6 -> 1 -> 4 -> 2 -> 6
with SIGKILL. After each change the harness waits until the 12 partitions are owned once each by
live members (the rebalance time). The oracle:
  - one owner at a time: per partition, batch processing intervals (S to its D, or to the
    member's next revoke/lost/close, or its SIGKILL) of two members never overlap;
  - every record processed: each (partition, offset) rel_produce reported delivered is in a
    batch marked done (D);
  - duplicates: records in more than one done batch, counted for the SIGTERM half (goal 0) and
    the SIGKILL half (goal <= one batch per partition moved);
  - rebalance time p50 / p99 (nearest rank) over the changes.
Prints one JSON line.
"""
import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import time


def mono_ms():
    return int(time.monotonic() * 1000)


class Churn:
    def __init__(self, a):
        self.a = a
        self.members = {}  # name -> (Popen, logfile)
        self.dead = {}  # name -> monotonic ms it was killed / terminated
        self.n = 0
        self.steps = []

    def start(self, k):
        for _ in range(k):
            self.n += 1
            name = "m%02d" % self.n
            log = os.path.join(self.a.dir, name + ".log")
            p = subprocess.Popen(
                [self.a.member, self.a.bootstrap, self.a.group, self.a.topic, name, log,
                 "session.timeout.ms=6000", "heartbeat.interval.ms=1000",
                 "max.poll.interval.ms=20000", "hold.ms=20", "life.ms=900000"],
                stdout=subprocess.DEVNULL, stderr=open(log + ".err", "w"))
            self.members[name] = (p, log)

    def live(self):
        return [n for n, (p, _) in self.members.items() if n not in self.dead and p.poll() is None]

    def stop(self, k, sig):
        for name in sorted(self.live())[:k]:
            p = self.members[name][0]
            self.dead[name] = mono_ms()
            p.send_signal(sig)

    def events(self):
        ev = []
        for name, (_, log) in self.members.items():
            try:
                with open(log) as f:
                    for line in f:
                        parts = line.split()
                        if len(parts) >= 3:
                            ev.append((float(parts[2]), parts[0], parts[1], parts[3:]))
            except OSError:
                pass
        ev.sort(key=lambda e: e[0])
        return ev

    def owners(self, ev):
        owned = collections.defaultdict(set)
        last_a = 0
        for t, kind, name, rest in ev:
            if kind in ("A", "R", "L"):
                parts = {int(x.rsplit(":", 1)[1]) for x in rest[1:]}
                if kind == "A":
                    owned[name] |= parts
                    last_a = t
                else:
                    owned[name] -= parts
            elif kind == "C":
                owned[name] = set()
        return owned, last_a

    def stable(self, since):
        owned, last_a = self.owners(self.events())
        live = self.live()
        # A member killed or closing owns nothing any more, whatever its log says.
        count = collections.Counter(p for n in live for p in owned.get(n, ()))
        ok = (len(count) == self.a.partitions and all(c == 1 for c in count.values())
              and all(owned.get(n) for n in live) and last_a >= since)
        return ok

    def step(self, what, k, half):
        t0 = mono_ms()
        if what == "start":
            self.start(k)
        else:
            self.stop(k, signal.SIGTERM if what == "term" else signal.SIGKILL)
        deadline = t0 + 90000
        while mono_ms() < deadline:
            if self.stable(t0):
                break
            time.sleep(0.05)
        t1 = mono_ms()
        self.steps.append({"what": what, "k": k, "half": half, "t0": t0, "ms": t1 - t0,
                           "stable": t1 < deadline, "members": len(self.live())})
        time.sleep(self.a.steady)


def oracle(ch, deliveries, partitions):
    ev = ch.events()
    # Processing intervals per partition.
    open_b = {}  # (name, batch) -> (t, [(p, first, last)])
    ends = collections.defaultdict(list)  # name -> times it stopped owning (R/L/C)
    done = []  # (t_start, t_end, name, [(p, first, last)])
    for t, kind, name, rest in ev:
        if kind == "S":
            ranges = []
            for x in rest[2:]:
                f = x.rsplit(":", 4)
                ranges.append((int(f[1]), int(f[2]), int(f[3])))
            open_b[(name, rest[0])] = (t, ranges)
        elif kind == "D":
            b = open_b.pop((name, rest[0]), None)
            if b:
                done.append((b[0], t, name, b[1], True))
        elif kind in ("R", "L", "C"):
            ends[name].append(t)
    # Batches never marked done end at the member's next R/L/C, or its kill.
    for (name, _), (t, ranges) in open_b.items():
        later = [e for e in ends[name] if e >= t]
        end = min(later) if later else ch.dead.get(name, t)
        done.append((t, end, name, ranges, False))
    by_part = collections.defaultdict(list)
    for t0, t1, name, ranges, _ in done:
        for p, _, _ in ranges:
            by_part[p].append((t0, t1, name))
    overlaps = 0
    for p, iv in by_part.items():
        iv.sort()
        for i in range(len(iv)):
            for j in range(i):
                # Another member's batch of this partition still in processing when it began.
                if iv[j][2] != iv[i][2] and iv[j][1] > iv[i][0]:
                    overlaps += 1
    seen = collections.Counter()
    first_done = {}
    t_kill_half = min((s["t0"] for s in ch.steps if s["half"] == "kill"), default=None)
    dup_term = dup_kill = 0
    for t0, t1, name, ranges, is_done in sorted(done):
        if not is_done:
            continue
        for p, first, last in ranges:
            for o in range(first, last + 1):
                if seen[(p, o)]:
                    if t_kill_half is not None and t0 >= t_kill_half:
                        dup_kill += 1
                    else:
                        dup_term += 1
                seen[(p, o)] += 1
                first_done.setdefault((p, o), t1)
    want = set()
    with open(deliveries) as f:
        for line in f:
            x = line.split()
            if len(x) >= 4 and x[3] == "NONE":
                want.add((int(x[1]), int(x[2])))
    lost = sorted(k for k in want if not seen[k])
    rb = sorted(s["ms"] for s in ch.steps)

    def pct(v, q):
        return v[max(0, min(len(v) - 1, int(round(q / 100.0 * len(v) + 0.5)) - 1))] if v else None

    return {
        "records": len(want),
        "processed": sum(1 for k in want if seen[k]),
        "lost": len(lost),
        "lost_ids": lost[:5],
        "overlaps": overlaps,
        "dup_term": dup_term,
        "dup_kill": dup_kill,
        "changes": len(ch.steps),
        "unstable": sum(1 for s in ch.steps if not s["stable"]),
        "rebalance_p50_ms": pct(rb, 50),
        "rebalance_p99_ms": pct(rb, 99),
        "rebalance_ms": [(s["what"], s["k"], s["members"], s["ms"]) for s in ch.steps],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--member", required=True)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--deliveries", required=True)
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--producer-pid", type=int, required=True)
    ap.add_argument("--partitions", type=int, default=12)
    ap.add_argument("--steady", type=float, default=2.0)
    a = ap.parse_args()
    ch = Churn(a)
    plan = [("start", 1, "term"), ("start", 3, "term"), ("term", 2, "term"),
            ("start", 4, "term"), ("kill", 5, "kill"), ("start", 3, "kill"),
            ("kill", 2, "kill"), ("start", 4, "kill")]
    try:
        for what, k, half in plan:
            ch.step(what, k, half)
        open(a.stop_file, "w").close()
        # The producer ends once its records are reported; then every record must be processed.
        t = time.time()
        while time.time() - t < 120:
            try:
                os.kill(a.producer_pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        time.sleep(1)
        t = time.time()
        while time.time() - t < 60:
            r = oracle(ch, a.deliveries, a.partitions)
            if r["lost"] == 0:
                break
            time.sleep(1)
    finally:
        ch.stop(len(ch.live()), signal.SIGTERM)
        for p, _ in ch.members.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    r = oracle(ch, a.deliveries, a.partitions)
    json.dump(r, sys.stdout)
    print()


if __name__ == "__main__":
    main()
