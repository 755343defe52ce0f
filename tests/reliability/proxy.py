#!/usr/bin/env python3
"""proxy.py: the loopback TCP proxy of scripts/reliability's network-fault rows (row 8).

    proxy.py --map LISTEN_PORT:TARGET_PORT [--map ...] --log FILE [--pid-file FILE]

Listens on 127.0.0.1:LISTEN_PORT for each --map and forwards every connection to
127.0.0.1:TARGET_PORT (the 3-node cluster's EXTERNAL listeners, advertised at the proxy's ports,
see scripts/kafka). Two modes, switched by signals:

    SIGUSR1   blackhole: connections are still accepted, but nothing is forwarded in either
              direction, on existing connections too; what arrives is held (read and kept in the
              proxy, as a network that delays every packet), and a new connection is not
              connected onward until the proxy passes again. A side that closes meanwhile
              closes its peer and its held bytes are dropped (they never arrived).
    SIGUSR2   pass: held bytes are forwarded, held connections are connected onward.
    SIGTERM   exit (every connection closed).

The log (FILE, line-buffered) has one line per event, each starting with CLOCK_REALTIME
milliseconds: "MS listening PORTS", "MS mode blackhole|pass open=N", "MS accept CONN PORT MODE",
"MS close CONN by=client|target|proxy up=BYTES down=BYTES", and at exit "MS exit accepts=N".
Every byte is forwarded as it came: no framing, no rewriting. A connection holds at most 64 MiB
per direction; past that it stops reading that side until it drained (never reached by a Kafka
client, which has at most a few requests in flight).
"""
import argparse
import asyncio
import os
import signal
import sys
import time

HOLD_MAX = 64 << 20


def now_ms():
    return int(time.time() * 1000)


class Proxy:
    def __init__(self, maps, log):
        self.maps = maps
        self.log = log
        self.mode = "pass"
        self.conns = set()
        self.next_id = 0
        self.accepts = 0
        self.done = None

    def say(self, text):
        self.log.write("%d %s\n" % (now_ms(), text))
        self.log.flush()

    def set_mode(self, mode):
        if mode == self.mode:
            return
        self.mode = mode
        self.say("mode %s open=%d" % (mode, len(self.conns)))
        if mode == "pass":
            for c in list(self.conns):
                c.release()


class Side(asyncio.Protocol):
    """One socket of a connection: the client's (accepted) or the target's (connected)."""

    def __init__(self, conn, name):
        self.conn = conn
        self.name = name
        self.transport = None
        self.paused = False

    def connection_made(self, transport):
        self.transport = transport
        self.conn.side_up(self)

    def data_received(self, data):
        self.conn.received(self, data)

    def eof_received(self):
        self.conn.closed(self.name)
        return False

    def connection_lost(self, exc):
        self.conn.closed(self.name)


class Conn:
    """A client connection and its onward connection; bytes held while the proxy blackholes."""

    def __init__(self, proxy, port, target):
        proxy.next_id += 1
        proxy.accepts += 1
        self.proxy = proxy
        self.id = proxy.next_id
        self.port = port
        self.target = target
        self.client = Side(self, "client")
        self.upstream = None  # Side once connected
        self.connecting = False
        self.held = {"client": [], "target": []}  # bytes from that side, not yet forwarded
        self.held_n = {"client": 0, "target": 0}
        self.bytes = {"client": 0, "target": 0}  # bytes forwarded from that side
        self.gone = False

    def side_up(self, side):
        if side is self.client:
            self.proxy.conns.add(self)
            self.proxy.say("accept %d %d %s" % (self.id, self.port, self.proxy.mode))
            if self.proxy.mode == "pass":
                self.connect()
        else:
            self.upstream = side
            self.connecting = False
            if self.proxy.mode == "pass":
                self.release()

    def connect(self):
        if self.connecting or self.upstream or self.gone:
            return
        self.connecting = True
        loop = asyncio.get_running_loop()
        task = loop.create_task(
            loop.create_connection(lambda: Side(self, "target"), "127.0.0.1", self.target))

        def connected(t):
            if t.cancelled() or t.exception() is not None:
                self.connecting = False
                self.close("proxy")

        task.add_done_callback(connected)

    def peer(self, side):
        return self.upstream if side is self.client else self.client

    def received(self, side, data):
        dst = self.peer(side)
        if self.proxy.mode == "pass" and dst is not None and dst.transport is not None \
                and not self.held[side.name]:
            dst.transport.write(data)
            self.bytes[side.name] += len(data)
            return
        self.held[side.name].append(data)
        self.held_n[side.name] += len(data)
        if self.held_n[side.name] > HOLD_MAX and not side.paused:
            side.paused = True
            side.transport.pause_reading()

    def release(self):
        """Pass again: connect onward if not yet, forward what was held."""
        if self.gone:
            return
        if self.upstream is None:
            self.connect()
            return
        for name, side in (("client", self.client), ("target", self.upstream)):
            dst = self.peer(side)
            for data in self.held[name]:
                dst.transport.write(data)
                self.bytes[name] += len(data)
            self.held[name] = []
            self.held_n[name] = 0
            if side.paused:
                side.paused = False
                side.transport.resume_reading()

    def closed(self, by):
        self.close(by)

    def close(self, by):
        if self.gone:
            return
        self.gone = True
        self.proxy.conns.discard(self)
        self.proxy.say("close %d by=%s up=%d down=%d" % (self.id, by, self.bytes["client"],
                                                         self.bytes["target"]))
        for side in (self.client, self.upstream):
            if side is not None and side.transport is not None:
                side.transport.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--map", action="append", required=True, help="LISTEN_PORT:TARGET_PORT")
    ap.add_argument("--log", required=True)
    ap.add_argument("--pid-file")
    a = ap.parse_args()
    maps = []
    for m in a.map:
        lp, tp = m.split(":")
        maps.append((int(lp), int(tp)))
    log = open(a.log, "a", buffering=1)
    proxy = Proxy(maps, log)
    loop = asyncio.get_running_loop()
    proxy.done = loop.create_future()
    servers = []
    for lp, tp in maps:
        servers.append(await loop.create_server(
            lambda lp=lp, tp=tp: Conn(proxy, lp, tp).client, "127.0.0.1", lp,
            reuse_address=True))
    loop.add_signal_handler(signal.SIGUSR1, proxy.set_mode, "blackhole")
    loop.add_signal_handler(signal.SIGUSR2, proxy.set_mode, "pass")
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, lambda: proxy.done.done() or proxy.done.set_result(None))
    if a.pid_file:
        with open(a.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(a.pid_file + ".tmp", a.pid_file)
    proxy.say("listening %s" % ",".join("%d->%d" % m for m in maps))
    await proxy.done
    for s in servers:
        s.close()
    for c in list(proxy.conns):
        c.close("proxy")
    proxy.say("exit accepts=%d" % proxy.accepts)
    log.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:
        print("proxy.py: %s" % e, file=sys.stderr)
        sys.exit(1)
