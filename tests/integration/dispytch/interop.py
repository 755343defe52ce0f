"""interop.py: kfk's events against the real Dispytch, both ways, JSON and msgpack.

Run with the python of one Dispytch virtualenv (scripts/pyenv: $KFK_CACHE/venv-dispytch-VERSION);
the version is the one that interpreter has. Needs the broker (KFK_BOOTSTRAP) and the kfk binary.

  python interop.py --kfk BUILD/kfk --bootstrap B [--serializer json|msgpack]... [--events N]

For each serializer:
  Dispytch -> kfk  driver.py emit sends N declared events (UserRegistered keyed by user.id,
                   OrderPlaced keyed by order.id) with the real EventEmitter; `kfk listen` with
                   the matching --envelope/--serializer must print each once with its type, id,
                   timestamp, key, topic, partition, offset and body as Dispytch sent them
                   (0.11: type and id null, the whole value as body).
  kfk -> Dispytch  `kfk emit` with the matching --envelope/--serializer and --partition-by or
                   --partition-key sends the same kind of events; the real listener (0.9, 0.10)
                   or dispatcher (0.11) of driver.py must hand each to its handler once, validated
                   into its model, with the body sent, the key str(id) and the partition aiokafka's
                   partitioner gives that key, i.e. what Dispytch itself would produce.
Prints "ok ..." lines and a closing "N passed, N failed"; exits 1 on any failure.
"""
import argparse
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "driver.py")
VERSION = importlib.metadata.version("dispytch")
V = tuple(int(x) for x in VERSION.split(".")[:2])
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMEOUT = 90

failures = []
passes = 0


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL {what}", file=sys.stderr, flush=True)
    return cond


def run(cmd, stdin_text=None, timeout=TIMEOUT):
    """Runs cmd; returns (exit code, stdout); stderr goes to ours."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, input=stdin_text, capture_output=True, encoding="utf-8",
                           timeout=timeout, env=dict(os.environ, PYTHONUTF8="1"))
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        sys.stderr.write(err[-4000:])
        check(False, f"{' '.join(cmd[:3])}... did not finish within {timeout} s")
        return 124, out
    if p.returncode != 0 or os.environ.get("KFK_DISPYTCH_VERBOSE"):
        sys.stderr.write(p.stderr[-4000:])
    print(f"  ran {os.path.basename(cmd[0])} {cmd[1]} ({time.monotonic() - t0:.1f} s, "
          f"exit {p.returncode})", flush=True)
    return p.returncode, p.stdout


def json_lines(text, what):
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            check(False, f"{what} printed a line that is not JSON: {line[:200]}")
    return out


def canon(v):
    """A body compared as JSON values (an int and its float are equal, as in Python)."""
    return json.dumps(v, sort_keys=True)


# ---- the events --------------------------------------------------------------------------------

def events(n, tag):
    """n event specs: 3 of 4 UserRegistered (int and str user ids), 1 of 4 OrderPlaced."""
    specs = []
    for i in range(n):
        if i % 4 != 3:
            uid = 1000 + i if i % 2 == 0 else f"u-{tag}-{i}"
            fields = {
                "user": {"id": uid, "name": f"Zoë \"quoted\" \\ é ✓ 😀 {tag} {i}"},
                "plan": ["free", "pro", "team"][i % 3],
                "tags": ["a", f"t{i}"] if i % 3 else [],
                "score": 2.5 * i + 0.125,
                "active": i % 2 == 0,
                "note": None if i % 5 else "",
            }
            if V >= (0, 11):
                fields.update({"type": "UserRegistered", "kind": "users"})
            specs.append({"type": "UserRegistered", "fields": fields, "key": str(uid)})
        else:
            oid = f"o-{tag}-{i}"
            fields = {"order": {"id": oid, "cents": 9007199254740993 + i}, "note": "x" * (i % 7)}
            if V >= (0, 11):
                fields.update({"type": "OrderPlaced", "kind": "orders"})
            specs.append({"type": "OrderPlaced", "fields": fields, "key": oid})
    return specs


# ---- kfk's flags for this version ---------------------------------------------------------------

def kfk_has_formats(kfk):
    _, out = run([kfk, "emit", "--help"], timeout=10)
    return "--serializer" in out


def envelope_flags(ser, new_flags):
    if not new_flags:
        # Today's kfk: --envelope json|msgpack is the 0.10 envelope with that serializer.
        return ["--envelope", ser]
    env = {(0, 9): "dispytch-0.9", (0, 10): "dispytch"}.get(V, "none")
    return ["--envelope", env, "--serializer", ser]


def topics_of(base):
    """The topics one direction uses: 0.11 routes by topic (BASE.users, BASE.orders)."""
    if V >= (0, 11):
        return {"UserRegistered": base + ".users", "OrderPlaced": base + ".orders"}
    return {"UserRegistered": base, "OrderPlaced": base}


def create_topics(kfk, bootstrap, topics):
    for t in sorted(set(topics)):
        rc, _ = run([kfk, "topics", "create", "-b", bootstrap, "-t", t, "--partitions", "4"])
        check(rc == 0, f"kfk topics create {t}")


# ---- Dispytch -> kfk ----------------------------------------------------------------------------

def dispytch_to_kfk(args, ser, new_flags):
    global passes
    base = f"kfk-dy-{VERSION}-{ser}-dk-{os.getpid()}-{int(time.time())}"
    topics = topics_of(base)
    create_topics(args.kfk, args.bootstrap, topics.values())
    specs = events(args.events, "dk")
    rc, out = run([sys.executable, DRIVER, "emit", "--bootstrap", args.bootstrap, "--topic", base,
                   "--serializer", ser],
                  "".join(json.dumps({"type": s["type"], "fields": s["fields"]}) + "\n"
                          for s in specs))
    sent = json_lines(out, "driver emit")
    if not check(rc == 0 and len(sent) == len(specs),
                 f"Dispytch {VERSION} emitted {len(sent)} of {len(specs)} ({ser})"):
        return
    # What Dispytch put on the wire, as its own docs describe it.
    for s, rec in zip(specs, sent):
        v = rec["value"]
        check(rec["key"] == s["key"], f"Dispytch's key {rec['key']!r}, want {s['key']!r}")
        check(rec["topic"] == topics[s["type"]], f"Dispytch's topic {rec['topic']}")
        if V >= (0, 11):
            check(canon(v) == canon(s["fields"]), f"0.11 value is the event: {v}")
        else:
            want_keys = ["id", "type", "body"] + (["timestamp"] if V >= (0, 10) else [])
            check(list(v) == want_keys, f"envelope fields {list(v)}, want {want_keys}")

    got = []
    for t in sorted(set(topics.values())):
        n = sum(1 for r in sent if r["topic"] == t)
        rc, out = run([args.kfk, "listen", "-b", args.bootstrap, "-t", t, "-G", base + "-g",
                       "-c", str(n)] + envelope_flags(ser, new_flags))
        lines = json_lines(out, "kfk listen")
        check(rc == 0 and len(lines) == n, f"kfk listen printed {len(lines)} of {n} on {t} "
              f"(exit {rc})")
        got += lines
    by_place = {(g.get("topic"), g.get("partition"), g.get("offset")): g for g in got}
    check(len(by_place) == len(got), "kfk listen printed an event twice")
    ok = 0
    for s, rec in zip(specs, sent):
        g = by_place.get((rec["topic"], rec["partition"], rec["offset"]))
        what = f"Dispytch {VERSION} -> kfk ({ser}) {s['type']} at {rec['topic']}[{rec['partition']}]@{rec['offset']}"
        if not check(g is not None, f"{what}: not printed by kfk listen"):
            continue
        v = rec["value"]
        good = True
        if V >= (0, 11):
            good &= check(g.get("type") is None, f"{what}: type {g.get('type')!r}, want null")
            good &= check(g.get("id") is None, f"{what}: id {g.get('id')!r}, want null")
            good &= check(canon(g.get("body")) == canon(v), f"{what}: body {g.get('body')}")
        else:
            good &= check(g.get("type") == v["type"], f"{what}: type {g.get('type')!r}")
            good &= check(g.get("id") == v["id"], f"{what}: id {g.get('id')!r}")
            good &= check(g.get("timestamp") == v.get("timestamp"),
                          f"{what}: timestamp {g.get('timestamp')!r}, want {v.get('timestamp')!r}")
            good &= check(canon(g.get("body")) == canon(v["body"]), f"{what}: body {g.get('body')}")
        if new_flags or "key" in g:  # kfk listen prints the key since its Dispytch formats
            good &= check(g.get("key") == rec["key"],
                          f"{what}: key {g.get('key')!r}, want {rec['key']!r}")
        ok += good
    if check(ok == len(specs), f"Dispytch {VERSION} -> kfk ({ser}): {ok} of {len(specs)} events"):
        passes += 1
        fields = ("type and id null, the value as body" if V >= (0, 11) else
                  "type, id, timestamp (null in 0.9), body")
        print(f"ok   Dispytch {VERSION} -> kfk listen ({ser}): {ok} events once each: {fields}"
              f"{', key' if new_flags else ''}, topic, partition, offset as sent",
              flush=True)


# ---- kfk -> Dispytch ----------------------------------------------------------------------------

def kfk_key_flags(type_, new_flags):
    field = "user" if type_ == "UserRegistered" else "order"
    if V >= (0, 11):
        # 0.11's KafkaEventConfig(partition_key="{user[id]}"), the same template.
        return ["--partition-key", "{%s[id]}" % field]
    if V < (0, 10):
        # 0.9's partition_by walks the envelope ("body.user.id"); kfk takes that and the path
        # over the body alike: one type each.
        return ["--partition-by", "body.user.id" if field == "user" else "order.id"]
    # 0.10's partition_key is a literal the service passes (the event's id): kfk keys by the
    # path to it, or by the template naming it.
    if new_flags and field == "order":
        return ["--partition-key", "{order[id]}"]
    return ["--partition-by", f"{field}.id"]


def kfk_to_dispytch(args, ser, new_flags):
    global passes
    base = f"kfk-dy-{VERSION}-{ser}-kd-{os.getpid()}-{int(time.time())}"
    topics = topics_of(base)
    create_topics(args.kfk, args.bootstrap, topics.values())
    specs = events(args.events, "kd")
    for type_ in ("UserRegistered", "OrderPlaced"):
        bodies = [s["fields"] for s in specs if s["type"] == type_]
        # 0.11's topic is KafkaEventRoute(topic="BASE.{kind}"): kfk takes the same template.
        topic = base + ".{kind}" if V >= (0, 11) else topics[type_]
        cmd = [args.kfk, "emit", "-b", args.bootstrap, "-t", topic]
        if V < (0, 11):
            cmd += ["--type", type_]
        cmd += envelope_flags(ser, new_flags) + kfk_key_flags(type_, new_flags)
        rc, _ = run(cmd, "".join(json.dumps(b, ensure_ascii=False) + "\n" for b in bodies))
        check(rc == 0, f"kfk emit {type_} ({ser}) exit {rc}")
    rc, out = run([sys.executable, DRIVER, "listen", "--bootstrap", args.bootstrap, "--topic",
                   base, "--group", base + "-g", "--serializer", ser, "--count",
                   str(len(specs)), "--timeout", "60"])
    got = json_lines(out, "driver listen")
    check(rc == 0 and len(got) == len(specs),
          f"Dispytch {VERSION}'s handlers got {len(got)} of {len(specs)} kfk events ({ser})")
    by_body = {}
    for g in got:
        by_body.setdefault(canon(g["body"]), []).append(g)
    ids = [g["id"] for g in got]
    ok = 0
    for i, s in enumerate(specs):
        what = f"kfk -> Dispytch {VERSION} ({ser}) event {i} ({s['type']})"
        hits = by_body.get(canon(s["fields"]), [])
        if not check(len(hits) == 1, f"{what}: handled {len(hits)} times, want once"):
            continue
        g = hits[0]
        good = True
        good &= check(g["handler"] == s["type"], f"{what}: reached the {g['handler']} handler")
        good &= check(g["type"] == s["type"], f"{what}: type {g['type']!r}")
        good &= check(g["topic"] == topics[s["type"]], f"{what}: topic {g['topic']}")
        good &= check(g["key"] == s["key"], f"{what}: key {g['key']!r}, want {s['key']!r} "
                      "(str(id), as Dispytch services key it)")
        good &= check(g["partition"] == g["expected_partition"],
                      f"{what}: partition {g['partition']}, aiokafka's partitioner "
                      f"{g['expected_partition']} for key {g['key']!r}")
        if V < (0, 11):
            good &= check(isinstance(g["id"], str) and UUID4.match(g["id"]) is not None,
                          f"{what}: id {g['id']!r} is not a UUID4 string")
        if V == (0, 10):
            now = time.time() * 1000
            good &= check(isinstance(g["timestamp"], int) and now - 600e3 < g["timestamp"] <= now,
                          f"{what}: timestamp {g['timestamp']!r} is not epoch ms of now")
        ok += good
    if V < (0, 11):
        check(len(set(ids)) == len(ids), "kfk emitted two events with one id")
    if check(ok == len(specs), f"kfk -> Dispytch {VERSION} ({ser}): {ok} of {len(specs)} events"):
        passes += 1
        print(f"ok   kfk emit -> Dispytch {VERSION} handlers ({ser}): {ok} events once each, "
              "type, body, key and partition as Dispytch produces them", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kfk", required=True)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--serializer", action="append", choices=["json", "msgpack"])
    p.add_argument("--events", type=int, default=40)
    args = p.parse_args()
    sers = args.serializer or ["json", "msgpack"]
    new_flags = kfk_has_formats(args.kfk)
    print(f"Dispytch {VERSION} (Python {sys.version.split()[0]}) against {args.bootstrap}; kfk "
          f"{'with' if new_flags else 'without'} --serializer", flush=True)
    if not new_flags and V != (0, 10):
        # Today's kfk speaks the 0.10 envelope only (--envelope json|msgpack).
        print(f"FAIL kfk has no --serializer flag: it cannot speak Dispytch {VERSION}")
        print(f"0 passed, {2 * len(sers)} failed")
        return 1
    t0 = time.monotonic()
    failed = 0
    for ser in sers:
        for direction in (dispytch_to_kfk, kfk_to_dispytch):
            before = len(failures)
            direction(args, ser, new_flags)
            failed += len(failures) > before
    print(f"Dispytch {VERSION}: {time.monotonic() - t0:.1f} s")
    print(f"{passes} passed, {failed} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
