#!/usr/bin/env python3
"""check.py: the oracles of scripts/reliability (docs/RELIABILITY.md), one sub-command per kind.

produce    rel_produce's delivery log against what an independent reader (kcat) read back:
           lost (reported delivered, not read), duplicated (read more than once), reordered (a
           smaller id after a larger one in one partition's offset order), misrouted, gaps (ids
           sent but not read) and how they match the failures, latency percentiles overall and
           while a fault was on, retries and epoch bumps from the statistics, the reconnect
           series from the debug log, and recovery times. Prints one JSON object.
consume    the lines a consumer printed across its kills against the ids reported delivered:
           lost, duplicated, duplicates per kill (in all and per partition).
lock       grant logs of rel_lock processes: overlapping holders per key, fences that did not
           rise, grants per second, the longest wait.

Input formats are described at the top of each driver (rel_produce.c, rel_lock.c) and in
scripts/reliability. Everything is read in full: a few million lines at most.
"""
import argparse
import collections
import json
import re
import sys


def pct(values, p):
    """The p-th percentile (nearest rank) of values, or None when empty."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def read_faults(path):
    """Fault windows: lines 'start_ms end_ms label [key=value...]' (CLOCK_REALTIME ms)."""
    out = []
    if not path:
        return out
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            extra = dict(kv.split("=", 1) for kv in parts[3:] if "=" in kv)
            out.append({"start": int(parts[0]), "end": int(parts[1]), "label": parts[2], **extra})
    return out


def read_consumed(path):
    """Lines 'partition offset value' (kcat -f '%p %o %s\\n'); the id is the value's first 10
    characters."""
    rows = []
    bad = 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                continue  # the harness's own marks ("#kill N")
            parts = line.split()
            if len(parts) < 3:
                bad += 1
                continue
            try:
                rows.append((int(parts[0]), int(parts[1]), int(parts[2][:10])))
            except ValueError:
                bad += 1
    return rows, bad


def produce(a):
    sent = {}
    with open(a.deliveries) as f:
        for line in f:
            p = line.split()
            if len(p) < 6:
                continue
            sent[int(p[0])] = (int(p[1]), int(p[2]), p[3], int(p[4]), int(p[5]))
    rows, bad = read_consumed(a.consumed)
    count = collections.Counter(r[2] for r in rows)
    ok = {i for i, v in sent.items() if v[2] == "NONE"}
    failed = {i: v[2] for i, v in sent.items() if v[2] != "NONE"}
    lost = sorted(i for i in ok if count[i] == 0)
    dup = sum(c - 1 for c in count.values() if c > 1)
    unknown = sorted(i for i in count if i not in sent)
    # Order: per partition, in offset order, ids must rise.
    per_part = collections.defaultdict(list)
    for part, off, i in rows:
        per_part[part].append((off, i))
    reordered = 0
    misrouted = 0
    for part, lst in per_part.items():
        lst.sort()
        hi = -1
        for _, i in lst:
            if i < hi:
                reordered += 1
            hi = max(hi, i)
            if a.partitions and i % a.partitions != part:
                misrouted += 1
    # Offsets reported for delivered records must be where the reader found them.
    where = {(r[0], r[1]): r[2] for r in rows}
    wrong_offset = sum(1 for i in ok if sent[i][1] >= 0 and where.get((sent[i][0], sent[i][1])) != i)
    gaps = sorted(i for i in sent if count[i] == 0)
    failed_by = collections.Counter(failed.values())
    failed_present = collections.Counter(e for i, e in failed.items() if count[i] > 0)
    lat = [v[3] / 1000.0 for i, v in sent.items() if v[2] == "NONE"]
    faults = read_faults(a.faults)

    def in_fault(ms):
        return any(w["start"] <= ms <= w["end"] for w in faults)

    lat_fault = [v[3] / 1000.0 for v in sent.values() if v[2] == "NONE" and in_fault(v[4])]
    first = min((w["start"] for w in faults), default=None)
    lat_pre = [v[3] / 1000.0 for v in sent.values()
               if v[2] == "NONE" and first is not None and v[4] < first]
    res = {
        "sent": len(sent),
        "delivered": len(ok),
        "failed": len(failed),
        "failed_by": dict(failed_by),
        "failed_present": dict(failed_present),
        "read": len(rows),
        "unreadable_lines": bad,
        "lost": len(lost),
        "lost_ids": lost[:10],
        "duplicated": dup,
        "reordered": reordered,
        "misrouted": misrouted,
        "unknown_ids": len(unknown),
        "wrong_offset": wrong_offset,
        "gaps": len(gaps),
        "gap_ids": gaps[:10],
        "lat_p50_ms": pct(lat, 50),
        "lat_p99_ms": pct(lat, 99),
        "lat_max_ms": max(lat) if lat else None,
        "pre_fault_lat_p99_ms": pct(lat_pre, 99),
        "fault_records": len(lat_fault),
        "fault_lat_p99_ms": pct(lat_fault, 99),
        "fault_lat_max_ms": max(lat_fault) if lat_fault else None,
        "faults": len(faults),
    }
    # Statistics: retries, producer id/epoch changes.
    if a.stats:
        last = None
        epochs = []
        with open(a.stats) as f:
            for line in f:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                last = d
                e = d.get("eos", {})
                key = (e.get("producer_id"), e.get("producer_epoch"))
                if key[0] is not None and key[0] >= 0 and (not epochs or epochs[-1] != key):
                    epochs.append(key)
        if last:
            res["retries"] = last.get("retries")
            res["requests"] = last.get("requests")
        res["producer_ids"] = [list(k) for k in epochs]
    # The log: fatal errors, sequence errors, and the reconnect series while a fault was on.
    if a.log:
        fatal = 0
        seq = 0
        attempts = collections.defaultdict(list)
        with open(a.log, errors="replace") as f:
            for line in f:
                parts = line.split(" ", 3)
                if len(parts) < 4:
                    continue
                ms = int(parts[0])
                msg = parts[3]
                if "FATAL" in msg or "fatal" in msg:
                    fatal += 1
                if "OUT_OF_ORDER_SEQUENCE" in msg or "UNKNOWN_PRODUCER_ID" in msg:
                    seq += 1
                # "broker 1 (127.0.0.1:30110): connect to ... failed" or "bootstrap server
                # 127.0.0.1:30110: connect to ... failed": one series per connection owner.
                m = re.match(r"(broker -?\d+|bootstrap server) \(?([^):]+:\d+)\)?: connect to \S+ failed", msg)
                # A broker's connection logs each failed attempt ("..., while connecting)" at
                # debug) and the broker logs it again (bootstrap servers: only the second): count
                # the broker's line.
                if m and "while connecting" not in msg:
                    attempts["%s %s" % (m.group(1), m.group(2))].append(ms)
        res["log_fatal"] = fatal
        res["log_sequence_errors"] = seq
        down = [w for w in faults if w["label"] in ("all_down", "all_down_timeout")]
        if down:
            w = down[0]
            series = {}
            total = 0
            for broker, ts in attempts.items():
                ts = [t for t in ts if w["start"] <= t <= w["end"]]
                total += len(ts)
                series[broker] = [round((t - w["start"]) / 1000.0, 1) for t in ts]
            res["down_s"] = round((w["end"] - w["start"]) / 1000.0, 1)
            res["connect_attempts_down"] = total
            res["attempt_series_s"] = series
            for k in ("cpu_pct", "up_ms", "killed_ms"):
                if k in w:
                    res[k] = float(w[k])
            up = int(float(w.get("up_ms", w["end"])))
            done = [v[4] + v[3] / 1000.0 for v in sent.values() if v[2] == "NONE"]
            # Recovery: from the brokers answering again (the harness saw them back in
            # metadata) to the first record delivered after the kill; negative when the client
            # was faster than the harness's own check.
            dead = int(float(w.get("killed_ms", w["start"])))
            after = [t for t in done if t >= dead]
            if after:
                res["recovery_s"] = round((min(after) - up) / 1000.0, 2)
            backlog = [v[4] + v[3] / 1000.0 for v in sent.values()
                       if v[2] == "NONE" and w["start"] <= v[4] <= up]
            if backlog:
                res["backlog_drained_s"] = round((max(backlog) - up) / 1000.0, 2)
            later = [v for v in sent.values() if v[4] > up]
            res["after_up_sent"] = len(later)
            res["after_up_failed"] = sum(1 for v in later if v[2] != "NONE")
    json.dump(res, sys.stdout)
    print()


def consume(a):
    """Lines printed by consumers ('partition offset value') across kills (the harness writes a
    '#kill' line at each kill) against the records rel_produce reported delivered."""
    ok = set()
    with open(a.deliveries) as f:
        for line in f:
            p = line.split()
            if len(p) >= 4 and p[3] == "NONE":
                ok.add(int(p[0]))
    rows, bad = read_consumed(a.consumed)
    count = collections.Counter(r[2] for r in rows)
    lost = sorted(i for i in ok if count[i] == 0)
    dup = sum(c - 1 for c in count.values() if c > 1)
    # Duplicates per kill: lines of one run segment that an earlier segment already printed,
    # in all and per partition (a batch is one partition's records).
    seen = set()
    per_kill = []
    per_kill_part = []
    cur = collections.Counter()
    with open(a.consumed, errors="replace") as f:
        for line in f:
            if line.startswith("#kill"):
                per_kill.append(sum(cur.values()))
                per_kill_part.append(max(cur.values()) if cur else 0)
                cur = collections.Counter()
                continue
            parts = line.split()
            if len(parts) < 3:
                continue
            try:
                part, key = int(parts[0]), int(parts[2][:10])
            except ValueError:
                continue
            if key in seen:
                cur[part] += 1
            seen.add(key)
    per_kill.append(sum(cur.values()))
    per_kill_part.append(max(cur.values()) if cur else 0)
    # Order within a partition: offsets printed by one segment must rise.
    res = {
        "delivered": len(ok),
        "read": len(rows),
        "unreadable_lines": bad,
        "lost": len(lost),
        "lost_ids": lost[:10],
        "duplicated": dup,
        "kills": len(per_kill) - 1,
        "dup_per_kill_max": max(per_kill),
        "dup_per_kill_partition_max": max(per_kill_part),
        "dup_per_kill": per_kill,
    }
    json.dump(res, sys.stdout)
    print()


def lock(a):
    """Grant logs: 'key fence start_ns end_ns worker wait_ns lost' (CLOCK_MONOTONIC); a grant
    must not overlap another grant of its key, and fences of a key rise with time."""
    grants = collections.defaultdict(list)
    waits = []
    lost = 0
    for path in a.logs:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 5:
                    continue
                grants[p[0]].append((int(p[2]), int(p[3]), int(p[1]), p[4]))
                if len(p) >= 7:
                    waits.append(int(p[5]))
                    lost += int(p[6])
    overlaps = 0
    fence_bad = 0
    total = 0
    t_lo, t_hi = None, None
    for key, g in grants.items():
        g.sort()
        total += len(g)
        for k in range(1, len(g)):
            if g[k][0] < g[k - 1][1]:
                overlaps += 1
            if g[k][2] <= g[k - 1][2]:
                fence_bad += 1
        t_lo = g[0][0] if t_lo is None else min(t_lo, g[0][0])
        t_hi = g[-1][1] if t_hi is None else max(t_hi, g[-1][1])
    secs = (t_hi - t_lo) / 1e9 if total else 0
    res = {
        "keys": len(grants),
        "grants": total,
        "overlaps": overlaps,
        "fences_not_rising": fence_bad,
        "grants_per_s": round(total / secs, 1) if secs > 0 else None,
        "wait_p99_ms": round(pct(waits, 99) / 1e6, 1) if waits else None,
        "wait_max_ms": round(max(waits) / 1e6, 1) if waits else None,
        "lost_while_held": lost,
    }
    json.dump(res, sys.stdout)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--deliveries", required=True)
    p.add_argument("--consumed", required=True)
    p.add_argument("--partitions", type=int, default=6)
    p.add_argument("--faults")
    p.add_argument("--stats")
    p.add_argument("--log")
    p.set_defaults(fn=produce)
    c = sub.add_parser("consume")
    c.add_argument("--consumed", required=True)
    c.add_argument("--deliveries", required=True)
    c.set_defaults(fn=consume)
    lk = sub.add_parser("lock")
    lk.add_argument("logs", nargs="+")
    lk.set_defaults(fn=lock)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
