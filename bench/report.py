"""bench/report.py: the Python half of bench/run (standard library; matplotlib only for plots).

    report.py gen SIZE N FILE       the stdin file of the CLI clients: N lines KEY:VALUE
    report.py table DIR             DIR/raw/runs.tsv, latency.tsv, meta.txt -> DIR/RESULTS.md
    report.py plot DIR              the same -> DIR/*.png (needs matplotlib)

gen writes the records bench_producer and bench_rdkafka_producer send themselves, so that every
client sends the same bytes: key "key-%06d" (record number modulo 10,000), value SIZE bytes of a
fixed pseudo-random text of 16 letters (compressible, as log lines are) taken from offset
i % 64 of the same xorshift pool, its first 8 bytes the record number "%08d".

runs.tsv (one line per client run, written by bench/run) has the columns of RUN_FIELDS;
latency.tsv those of LAT_FIELDS (cdf: a file beside it, "QUANTILE MS" lines). The table gives, per workload and client, the median of the
successful runs and min..max: records/s and MB/s (value bytes) over the whole process's wall
time, client CPU s (user + sys) per 1M records, broker CPU s per 1M records, peak RSS. A client
whose runs failed says so in its row (how many, and the first cause) instead of dropping out.
"""

import os
import statistics
import sys

RUN_FIELDS = [
    "workload", "size", "acks", "codec", "client", "rep", "slot", "records", "status",
    "wall_s", "cpu_s", "max_rss_kb", "broker_cpu_s", "note",
]
LAT_FIELDS = [
    "client", "rep", "rate", "secs", "status", "p50_ms", "p99_ms", "p999_ms", "max_ms",
    "cpu_s", "broker_cpu_s", "cdf", "note",
]
CLIENT_NAMES = {
    "kfk": "kfk (CLI)",
    "kfk-api": "kfk (API)",
    "rdkafka": "librdkafka (API)",
    "kcat": "kcat (CLI)",
    "aiokafka": "aiokafka",
}
CLIENT_ORDER = ["kfk", "kfk-api", "rdkafka", "kcat", "aiokafka"]


def gen(size, n, path):
    size, n = int(size), int(n)
    x = 2463534242
    pool = bytearray()
    for _ in range(size + 64):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        pool.append(ord("a") + (x & 15))
    pool = bytes(pool)
    tails = [pool[o + 8:o + size] for o in range(64)]
    tmp = path + ".tmp"
    with open(tmp, "wb", buffering=1 << 20) as f:
        for i in range(n):
            f.write(b"key-%06d:%08d%s\n" % (i % 10000, i, tails[i % 64]))
    os.replace(tmp, path)


def read_tsv(path, fields):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            vals = line.rstrip("\n").split("\t")
            rows.append(dict(zip(fields, vals + [""] * (len(fields) - len(vals)))))
    return rows


def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def size_label(s):
    s = int(s)
    return f"{s // 1024} KiB" if s >= 1024 and s % 1024 == 0 else f"{s} B"


def count_label(n):
    n = int(n)
    if n >= 1000000 and n % 100000 == 0:
        return f"{n / 1e6:g}M"
    if n >= 1000 and n % 100 == 0:
        return f"{n / 1e3:g}k"
    return str(n)


def stat(vals, fmt):
    """'median (min..max)' of vals with fmt, or the median alone for one value."""
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    m = statistics.median(vals)
    if len(vals) == 1:
        return fmt(m)
    return f"{fmt(m)} ({fmt(min(vals))}..{fmt(max(vals))})"


def fmt_rate(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.0f}"


def group_runs(runs):
    """{(workload, size, acks, codec): {client: [run, ...]}} in a stable order."""
    groups = {}
    for r in runs:
        key = (r["workload"], int(r["size"]), r["acks"], r["codec"])
        groups.setdefault(key, {}).setdefault(r["client"], []).append(r)
    return groups


def derived(r):
    n = fnum(r["records"]) or 0
    size = int(r["size"])
    wall, cpu, bcpu, rss = (fnum(r[k]) for k in ("wall_s", "cpu_s", "broker_cpu_s", "max_rss_kb"))
    ok = r["status"] == "ok" and wall and n
    return {
        "ok": bool(ok),
        "rps": n / wall if ok else None,
        "mbps": n * size / wall / 1e6 if ok else None,
        "cpu_m": cpu / n * 1e6 if ok and cpu is not None else None,
        "bcpu_m": bcpu / n * 1e6 if ok and bcpu is not None and bcpu >= 0 else None,
        "rss_mb": rss / 1024 if ok and rss is not None else None,
    }


def summary(group):
    """Per client: medians and ranges of the derived figures, or why it failed."""
    out = {}
    for client, rs in group.items():
        ds = [derived(r) for r in rs]
        good = [d for d in ds if d["ok"]]
        bad = [r for r, d in zip(rs, ds) if not d["ok"]]
        s = {"runs": len(rs), "good": len(good), "n": rs[0]["records"]}
        for k in ("rps", "mbps", "cpu_m", "bcpu_m", "rss_mb"):
            vals = [d[k] for d in good if d[k] is not None]
            s[k] = vals
            s[k + "_med"] = statistics.median(vals) if vals else None
        s["why"] = (bad[0]["note"] or bad[0]["status"]) if bad else ""
        out[client] = s
    return out


def table(d):
    runs = read_tsv(os.path.join(d, "raw", "runs.tsv"), RUN_FIELDS)
    lats = read_tsv(os.path.join(d, "raw", "latency.tsv"), LAT_FIELDS)
    meta = {}
    mp = os.path.join(d, "raw", "meta.txt")
    if os.path.exists(mp):
        for line in open(mp):
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    out = []
    w = out.append
    title = meta.get("title", "bench/run results")
    w(f"# {title}\n")
    for k in ("when", "what", "machine", "broker", "settings", "runs", "duration", "note"):
        if meta.get(k):
            w(f"- **{k}**: {meta[k]}")
    w("")
    w("Figures per client: median of the successful runs, (min..max) when there were several. "
      "records/s and MB/s (value bytes) are over the whole process's wall time, start to exit "
      "(connection and metadata included, for every client alike); CPU is the client process's "
      "user + system time from wait4(); broker CPU is the broker JVM's utime + stime "
      "(/proc/PID/stat) over the same interval; RSS is the client's peak. "
      "The ratio columns compare each client's median records/s and client CPU per record with "
      "librdkafka's in the same row (records/s: above 1 is faster than librdkafka; CPU: below 1 is "
      "cheaper).\n")
    groups = group_runs(runs)
    titles = {"produce": "Produce", "consume": "Consume",
              "txn": f"Transactional produce (transactions of {txn_per(d)} records)"}
    for wl in ("produce", "txn", "consume"):
        keys = [k for k in groups if k[0] == wl]  # in bench/run's order: size, acks, codec
        if not keys:
            continue
        w(f"## {titles[wl]}\n")
        w("| workload | client | records/s | MB/s | client CPU s / 1M | broker CPU s / 1M | peak RSS MB "
          "| x librdkafka rec/s | x librdkafka CPU | runs ok |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key in keys:
            _, size, acks, codec = key
            summ = summary(groups[key])
            ref = summ.get("rdkafka")
            for client in sorted(summ, key=lambda c: CLIENT_ORDER.index(c) if c in CLIENT_ORDER else 99):
                s = summ[client]
                label = f"{count_label(s['n'])} x {size_label(size)}"
                label += f", acks={acks}, {codec}" if wl != "consume" else f", {codec}"
                name = CLIENT_NAMES.get(client, client)
                ok = f"{s['good']}/{s['runs']}"
                if not s["good"]:
                    w(f"| {label} | {name} | **FAILED** ({s['why']}) | - | - | - | - | - | - | {ok} |")
                    continue
                rr = rc = "-"
                if ref and ref["rps_med"] and client != "rdkafka":
                    rr = f"{s['rps_med'] / ref['rps_med']:.2f}"
                    if ref["cpu_m_med"] and s["cpu_m_med"] is not None:
                        rc = f"{s['cpu_m_med'] / ref['cpu_m_med']:.2f}"
                if s["good"] < s["runs"]:
                    ok += f" ({s['why']})"
                w(f"| {label} | {name} | {stat(s['rps'], fmt_rate)} | {stat(s['mbps'], lambda v: f'{v:.1f}')} "
                  f"| {stat(s['cpu_m'], lambda v: f'{v:.2f}')} | {stat(s['bcpu_m'], lambda v: f'{v:.2f}')} "
                  f"| {stat(s['rss_mb'], lambda v: f'{v:.0f}')} | {rr} | {rc} | {ok} |")
        w("")
    if lats:
        w("## Delivery latency at a fixed offered rate\n")
        r0 = lats[0]
        w(f"{count_label(int(float(r0['rate']) * float(r0['secs'])))} records of 100 B offered at "
          f"{float(r0['rate']):.0f}/s ({float(r0['secs']):g} s), acks=1, no compression, linger.ms 5 in "
          "both; latency is from the send call (kfk_producer_send, rd_kafka_producev) to the "
          "delivery report, through each client's API (bench_producer -r, bench_rdkafka_producer "
          "-r). Medians over the runs, (min..max).\n")
        w("| client | p50 ms | p99 ms | p99.9 ms | max ms | client CPU s | broker CPU s | runs ok |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        by = {}
        for r in lats:
            by.setdefault(r["client"], []).append(r)
        for client in sorted(by, key=lambda c: CLIENT_ORDER.index(c) if c in CLIENT_ORDER else 99):
            rs = by[client]
            good = [r for r in rs if r["status"] == "ok"]
            name = CLIENT_NAMES.get(client, client)
            if not good:
                w(f"| {name} | **FAILED** ({rs[0]['note'] or rs[0]['status']}) | - | - | - | - | - | 0/{len(rs)} |")
                continue
            f2 = lambda v: f"{v:.2f}"  # noqa: E731
            cols = [stat([fnum(r[k]) for r in good], f2)
                    for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms", "cpu_s", "broker_cpu_s")]
            w(f"| {name} | " + " | ".join(cols) + f" | {len(good)}/{len(rs)} |")
        w("")
    def png_order(p):
        return (p.startswith("latency"), p.startswith("consume"), "acksall" in p, "lz4" in p, p)

    pngs = sorted((p for p in os.listdir(d) if p.endswith(".png")), key=png_order)
    if pngs:
        w("## Plots\n")
        for p in pngs:
            w(f"![{p[:-4]}]({p})\n")
    with open(os.path.join(d, "RESULTS.md"), "w") as f:
        f.write("\n".join(out).rstrip() + "\n")


def txn_per(d):
    """Records per transaction of the txn rows (meta.txt's txn_per, written by bench/run)."""
    try:
        with open(os.path.join(d, "raw", "meta.txt")) as f:
            for line in f:
                if line.startswith("txn_per="):
                    return f"{int(line.split('=', 1)[1]):,}"
    except (OSError, ValueError):
        pass
    return "?"


def plot(d):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        print("report.py: matplotlib is missing: no plots (bench/run installs it in its venv)",
              file=sys.stderr)
        return 1
    runs = read_tsv(os.path.join(d, "raw", "runs.tsv"), RUN_FIELDS)
    groups = group_runs(runs)
    made = []
    # One figure per workload shape (produce acks x codec, consume codec): two panels,
    # records/s and client CPU per 1M records against record size, a line per client,
    # the median as a point and min..max as an error bar.
    shapes = sorted({(k[0], k[2], k[3]) for k in groups if k[0] != "txn"})  # txn: one size
    for wl, acks, codec in shapes:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        clients = sorted({c for k, g in groups.items() if (k[0], k[2], k[3]) == (wl, acks, codec) for c in g},
                         key=lambda c: CLIENT_ORDER.index(c) if c in CLIENT_ORDER else 99)
        for client in clients:
            for ax, metric, ylabel in ((axes[0], "rps", "records/s"),
                                       (axes[1], "cpu_m", "client CPU s per 1M records")):
                xs, ys, lo, hi = [], [], [], []
                for key in sorted(k for k in groups if (k[0], k[2], k[3]) == (wl, acks, codec)):
                    s = summary(groups[key]).get(client)
                    if not s or not s[metric]:
                        continue
                    m = statistics.median(s[metric])
                    xs.append(key[1])
                    ys.append(m)
                    lo.append(m - min(s[metric]))
                    hi.append(max(s[metric]) - m)
                if xs:
                    ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3,
                                label=CLIENT_NAMES.get(client, client))
                ax.set_xscale("log", base=2)
                ax.set_yscale("log")
                ticks = sorted({k[1] for k in groups if (k[0], k[2], k[3]) == (wl, acks, codec)})
                ax.set_xticks(ticks, [size_label(t) for t in ticks])
                ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
                ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
                    lambda v, _: fmt_rate(v) if v >= 1000 else f"{v:g}"))
                ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
                ax.set_xlabel("record value size, bytes")
                ax.set_ylabel(ylabel)
                ax.grid(True, which="both", alpha=0.3)
        title = f"{wl}, acks={acks}, {codec}" if wl == "produce" else f"{wl}, {codec}"
        fig.suptitle(title + " (median, min..max)")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        name = f"{wl}-acks{acks}-{codec}.png" if wl == "produce" else f"{wl}-{codec}.png"
        fig.savefig(os.path.join(d, name), dpi=90)
        plt.close(fig)
        made.append(name)
    lats = read_tsv(os.path.join(d, "raw", "latency.tsv"), LAT_FIELDS)
    if lats:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        done = set()
        for r in sorted(lats, key=lambda x: CLIENT_ORDER.index(x["client"]) if x["client"] in CLIENT_ORDER else 99):
            # One CDF per client: its run with the median p99.
            if r["client"] in done or r["status"] != "ok":
                continue
            rs = sorted((x for x in lats if x["client"] == r["client"] and x["status"] == "ok"),
                        key=lambda x: fnum(x["p99_ms"]))
            pick = rs[(len(rs) - 1) // 2]
            path = os.path.join(d, "raw", pick["cdf"])
            if not os.path.exists(path):
                continue
            qs, ms = [], []
            for line in open(path):
                q, v = line.split()
                qs.append(float(q))
                ms.append(float(v))
            ax.plot(ms, qs, label=CLIENT_NAMES.get(r["client"], r["client"]))
            done.add(r["client"])
        ax.set_xscale("log")
        ax.set_xlabel("delivery latency, ms")
        ax.set_ylabel("fraction of records")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        r0 = lats[0]
        ax.set_title(f"latency CDF, 100 B at {float(r0['rate']):.0f} records/s, acks=1")
        fig.tight_layout()
        fig.savefig(os.path.join(d, "latency-cdf.png"), dpi=90)
        plt.close(fig)
        made.append("latency-cdf.png")
    print("report.py: plots: " + " ".join(made), file=sys.stderr)
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "gen" and len(sys.argv) == 5:
        gen(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "plot":
        sys.exit(plot(sys.argv[2]))
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
