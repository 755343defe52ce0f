#!/usr/bin/env python3
"""Seeds the message fuzz corpora from the golden bodies and the captured frames.

    python3 tests/golden/tools/make_fuzz_corpus.py [REPO]

Writes (replacing earlier seeds of the same names, leaving other corpus files alone):
  fuzz/corpus/response/golden-<api>-v<N>      2 selector bytes + response frame (no size)
  fuzz/corpus/response/cap-<client>-<file>    the same from a captured response
  fuzz/corpus/request/golden-<api>-v<N>       request frame (header v1/v2 + body, no size)
  fuzz/corpus/request/cap-<client>-<file>     a captured request frame
  fuzz/corpus/consumer_protocol/golden-<kind>-v<N>  selector byte (0 subscription,
                                                    1 assignment) + blob
  fuzz/corpus/mock/golden-<api>-v<N>          one request frame with its 4-byte size
  fuzz/corpus/mock/session-<client>[-<part>]  a captured client's request frames in order,
                                              each with its size (what fuzz/fuzz_mock.c reads)
The selector bytes are what fuzz/fuzz_response.c reads: byte 0 the API's index in
kfk_api_list (ordered by key), byte 1 the version minus the API's lowest.
"""
import os
import re
import struct
import sys

# kfk's APIs ordered by key (src/protocol/api.c): snake name, key, min, max, flexible from.
APIS = [
    ("produce", 0, 3, 11, 9),
    ("fetch", 1, 4, 12, 12),
    ("list_offsets", 2, 1, 7, 6),
    ("metadata", 3, 1, 12, 9),
    ("offset_commit", 8, 2, 9, 8),
    ("offset_fetch", 9, 1, 7, 6),
    ("find_coordinator", 10, 0, 3, 3),
    ("join_group", 11, 0, 7, 6),
    ("heartbeat", 12, 0, 4, 4),
    ("leave_group", 13, 0, 4, 4),
    ("sync_group", 14, 0, 5, 4),
    ("describe_groups", 15, 0, 6, 5),
    ("list_groups", 16, 0, 5, 3),
    ("sasl_handshake", 17, 0, 1, -1),
    ("api_versions", 18, 0, 3, 3),
    ("create_topics", 19, 2, 7, 5),
    ("delete_topics", 20, 1, 6, 4),
    ("delete_records", 21, 0, 2, 2),
    ("init_producer_id", 22, 0, 5, 2),
    ("add_partitions_to_txn", 24, 0, 3, 3),
    ("add_offsets_to_txn", 25, 0, 4, 3),
    ("end_txn", 26, 0, 5, 3),
    ("txn_offset_commit", 28, 0, 5, 3),
    ("describe_configs", 32, 1, 4, 4),
    ("sasl_authenticate", 36, 0, 2, 2),
    ("create_partitions", 37, 0, 3, 2),
    ("delete_groups", 42, 0, 2, 2),
    ("incremental_alter_configs", 44, 0, 1, 1),
    ("offset_delete", 47, 0, 0, -1),
    ("describe_cluster", 60, 0, 2, 0),
    ("consumer_group_heartbeat", 68, 0, 1, 0),
    ("consumer_group_describe", 69, 0, 1, 0),
]
BY_NAME = {a[0]: (i, a) for i, a in enumerate(APIS)}


def flexible(api, v):
    return api[4] >= 0 and v >= api[4]


def request_frame(api, v, corr, body):
    client = b"kfk-golden"
    hdr = struct.pack(">hhih", api[1], v, corr, len(client)) + client
    if flexible(api, v):
        hdr += b"\x00"
    return hdr + body


def response_frame(api, v, corr, body):
    hdr = struct.pack(">i", corr)
    if flexible(api, v) and api[0] != "api_versions":
        hdr += b"\x00"
    return hdr + body


def sized(frame):
    """A frame as sent on the wire: its 4-byte big-endian size first."""
    return struct.pack(">i", len(frame)) + frame


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
    golden = os.path.join(repo, "tests/golden")
    corpus = os.path.join(repo, "fuzz/corpus")
    for d in ("response", "request", "consumer_protocol", "mock"):
        os.makedirs(os.path.join(corpus, d), exist_ok=True)
    n = {"response": 0, "request": 0, "consumer_protocol": 0, "mock": 0}

    for idx, api in enumerate(APIS):
        for v in range(api[2], api[3] + 1):
            base = os.path.join(golden, api[0], "v%d" % v)
            for kind in ("request", "response"):
                p = os.path.join(base, kind + ".bin")
                if not os.path.exists(p):
                    continue
                body = open(p, "rb").read()
                name = "golden-%s-v%d" % (api[0], v)
                if kind == "request":
                    frame = request_frame(api, v, 7, body)
                    write(os.path.join(corpus, "request", name), frame)
                    write(os.path.join(corpus, "mock", name), sized(frame))
                    n["mock"] += 1
                else:
                    frame = bytes([idx, v - api[2]]) + response_frame(api, v, 7, body)
                    write(os.path.join(corpus, "response", name), frame)
                n[kind] += 1

    for sel, kind in ((0, "subscription"), (1, "assignment")):
        for v in range(0, 4):
            p = os.path.join(golden, "consumer_protocol", "%s_v%d.bin" % (kind, v))
            if os.path.exists(p):
                write(os.path.join(corpus, "consumer_protocol", "golden-%s-v%d" % (kind, v)),
                      bytes([sel]) + open(p, "rb").read())
                n["consumer_protocol"] += 1

    # Captured frames: captures/<client>/<seq>-<api>-v<ver>-{request,response}.bin (frames
    # without their size prefix); APIs and versions outside kfk's range are left out.
    caps = os.path.join(golden, "captures")
    pat = re.compile(r"^(\d+)-([a-z0-9_]+)-v(\d+)-(request|response)\.bin$")
    for client in sorted(os.listdir(caps)) if os.path.isdir(caps) else []:
        cdir = os.path.join(caps, client)
        if not os.path.isdir(cdir):
            continue
        session = []
        for f in sorted(os.listdir(cdir)):
            m = pat.match(f)
            if not m:
                continue
            name, v, kind = m.group(2), int(m.group(3)), m.group(4)
            if name not in BY_NAME:
                continue
            idx, api = BY_NAME[name]
            if not api[2] <= v <= api[3]:
                continue
            data = open(os.path.join(cdir, f), "rb").read()
            name = "cap-%s-%s" % (client, f[: -len(".bin")])
            if kind == "request":
                write(os.path.join(corpus, "request", name), data)
                session.append(sized(data))
            else:
                write(os.path.join(corpus, "response", name), bytes([idx, v - api[2]]) + data)
            n[kind] += 1
        # The whole session, and its thirds (later parts start without the setup: the mock
        # creates what they name on demand or answers errors, both worth exploring).
        if session:
            write(os.path.join(corpus, "mock", "session-" + client), b"".join(session))
            third = (len(session) + 2) // 3
            for i in range(3):
                part = session[i * third:(i + 1) * third]
                if part:
                    write(os.path.join(corpus, "mock", "session-%s-%d" % (client, i + 1)),
                          b"".join(part))
                    n["mock"] += 1
            n["mock"] += 1
    print("seeded: %d response, %d request, %d consumer_protocol, %d mock inputs"
          % (n["response"], n["request"], n["consumer_protocol"], n["mock"]))


if __name__ == "__main__":
    main()
