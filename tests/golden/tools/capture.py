#!/usr/bin/env python3
"""capture.py: records the Kafka request and response frames a real client exchanges with a
real broker, for kfk's capture tests (tests/unit/protocol/test_captures.c). Python 3 standard
library only.

A TCP proxy forwards every connection to the broker unchanged and writes each frame it sees to
  OUT/<client>/<seq>-<api>-v<ver>-request.bin and ...-response.bin
(the frame without its 4-byte size prefix: the header and the body, as kfk_request_decode and
kfk_response_decode take them). The request header gives api key, version and correlation id;
responses are matched by correlation id, in order (requests without a response, such as acks=0
produce requests, are passed over).

The problem: after bootstrap a client connects to the addresses the broker advertises in
Metadata and FindCoordinator responses (127.0.0.1:29000), not to the proxy. Rather than
rewriting those responses, capture.py runs the client in its own network namespace (Linux,
needs root or CAP_SYS_ADMIN: unshare(CLONE_NEWNET) via ctypes, then nsenter for the client),
where the proxy itself listens on the broker's advertised addresses. The proxy accepts inside
that namespace and connects to the real broker outside it, so every connection the client
opens, to any advertised address, passes through the proxy and nothing is rewritten.

    capture.py --out tests/golden/captures --client kcat-2.0.2 \\
        --listen 127.0.0.1:29000=127.0.0.1:29000 -- kcat -b 127.0.0.1:29000 -L -t cap-topic

--listen IN=UP (repeatable): listen on IN inside the namespace, forward to UP outside.
--max-per-api N keeps at most N frames per (api, version, direction) and client, and
--max-frame B drops frames larger than B bytes, to keep captures small.
"""
import argparse
import ctypes
import os
import socket
import subprocess
import sys
import threading

CLONE_NEWNET = 0x40000000

# Kafka's API keys (org.apache.kafka.common.protocol.ApiKeys), snake_case as in kfk.
API_NAMES = {
    0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 8: "offset_commit",
    9: "offset_fetch", 10: "find_coordinator", 11: "join_group", 12: "heartbeat",
    13: "leave_group", 14: "sync_group", 15: "describe_groups", 16: "list_groups",
    17: "sasl_handshake", 18: "api_versions", 19: "create_topics", 20: "delete_topics",
    21: "delete_records", 22: "init_producer_id", 23: "offset_for_leader_epoch",
    24: "add_partitions_to_txn", 25: "add_offsets_to_txn", 26: "end_txn",
    28: "txn_offset_commit", 29: "describe_acls", 32: "describe_configs",
    33: "alter_configs", 35: "describe_log_dirs", 36: "sasl_authenticate",
    37: "create_partitions", 42: "delete_groups", 47: "offset_delete",
    60: "describe_cluster", 61: "describe_producers", 68: "consumer_group_heartbeat",
    71: "get_telemetry_subscriptions", 72: "push_telemetry",
}


def api_name(key):
    return API_NAMES.get(key, "api%d" % key)


class Recorder:
    """Numbers and writes frames; thread-safe."""

    def __init__(self, out, max_per_api, max_frame):
        self.out = out
        self.max_per_api = max_per_api
        self.max_frame = max_frame
        self.lock = threading.Lock()
        self.seq = 0
        self.counts = {}
        self.written = 0
        os.makedirs(out, exist_ok=True)

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def write(self, seq, key, ver, kind, frame):
        with self.lock:
            k = (key, ver, kind)
            if len(frame) > self.max_frame or self.counts.get(k, 0) >= self.max_per_api:
                return False
            self.counts[k] = self.counts.get(k, 0) + 1
            path = os.path.join(self.out, "%04d-%s-v%d-%s.bin" % (seq, api_name(key), ver, kind))
            with open(path, "wb") as f:
                f.write(frame)
            self.written += 1
            return True


class Frames:
    """Splits a byte stream into size-prefixed Kafka frames."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        frames = []
        while len(self.buf) >= 4:
            n = int.from_bytes(self.buf[:4], "big", signed=True)
            if n < 0 or len(self.buf) < 4 + n:
                break
            frames.append(self.buf[4:4 + n])
            self.buf = self.buf[4 + n:]
        return frames


def relay(client, upstream_addr, rec):
    try:
        up = socket.create_connection(upstream_addr)
    except OSError as e:
        print("capture: cannot reach %s:%d: %s" % (upstream_addr + (e,)), file=sys.stderr)
        client.close()
        return
    pending = []  # (correlation id, api key, version, seq), in request order
    lock = threading.Lock()

    def pump(src, dst, on_frame):
        frames = Frames()
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                for fr in frames.feed(data):
                    on_frame(fr)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def on_request(fr):
        if len(fr) < 8:
            return
        key = int.from_bytes(fr[0:2], "big", signed=True)
        ver = int.from_bytes(fr[2:4], "big", signed=True)
        corr = int.from_bytes(fr[4:8], "big", signed=True)
        seq = rec.next_seq()
        with lock:
            pending.append((corr, key, ver, seq))
        rec.write(seq, key, ver, "request", fr)

    def on_response(fr):
        if len(fr) < 4:
            return
        corr = int.from_bytes(fr[0:4], "big", signed=True)
        with lock:
            while pending and pending[0][0] != corr:
                pending.pop(0)  # a request that gets no response (acks=0)
            if not pending:
                return
            _, key, ver, seq = pending.pop(0)
        rec.write(seq, key, ver, "response", fr)

    t = threading.Thread(target=pump, args=(up, client, on_response), daemon=True)
    t.start()
    pump(client, up, on_request)
    t.join()
    client.close()
    up.close()


def serve(lsock, upstream, rec):
    while True:
        try:
            c, _ = lsock.accept()
        except OSError:
            return
        threading.Thread(target=relay, args=(c, upstream, rec), daemon=True).start()


def parse_addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def namespace_listeners(listen):
    """Forks a holder process in a new network namespace with the listening sockets of
    @listen (a list of (host, port)); returns (holder pid, [listening sockets])."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        parent.close()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            os.write(2, b"capture: unshare(CLONE_NEWNET) failed (needs root)\n")
            os._exit(1)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        fds = []
        for host, port in listen:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(64)
            fds.append(s.fileno())
        socket.send_fds(child, [b"ok"], fds)
        child.recv(1)  # hold the namespace until the parent is done
        os._exit(0)
    child.close()
    msg, fds, _, _ = socket.recv_fds(parent, 16, len(listen))
    if msg != b"ok":
        raise SystemExit("capture: the namespace holder failed")
    socks = [socket.socket(fileno=fd) for fd in fds]
    return pid, parent, socks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="captures directory")
    ap.add_argument("--client", required=True, help="subdirectory name, e.g. kcat-2.0.2")
    ap.add_argument("--listen", action="append", required=True, help="IN=UPSTREAM host:port")
    ap.add_argument("--max-per-api", type=int, default=4)
    ap.add_argument("--max-frame", type=int, default=16384)
    ap.add_argument("--timeout", type=float, default=60, help="seconds the client may run")
    ap.add_argument("--sigint-after", type=float, default=0,
                    help="send SIGINT to the client after this many seconds (0: never)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- client command line")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no client command")
    pairs = [tuple(parse_addr(x) for x in spec.split("=", 1)) for spec in a.listen]
    rec = Recorder(os.path.join(a.out, a.client), a.max_per_api, a.max_frame)
    # Continue numbering after the frames already captured for this client.
    existing = [int(f.split("-", 1)[0]) for f in os.listdir(rec.out) if f[:4].isdigit()]
    rec.seq = max(existing, default=0)

    holder, hold_sock, socks = namespace_listeners([p[0] for p in pairs])
    for s, (_, up) in zip(socks, pairs):
        threading.Thread(target=serve, args=(s, up, rec), daemon=True).start()
    ns = ["nsenter", "--net=/proc/%d/ns/net" % holder]
    proc = subprocess.Popen(ns + cmd)
    try:
        if a.sigint_after > 0:
            try:
                proc.wait(timeout=a.sigint_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(2)
        rc = proc.wait(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    hold_sock.close()
    os.waitpid(holder, 0)
    print("capture: %s exited %d; %d frames written to %s" % (cmd[0], rc, rec.written, rec.out),
          file=sys.stderr)


if __name__ == "__main__":
    main()
