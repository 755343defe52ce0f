"""bench/aiokafka_bench.py: the aiokafka (PyPI) peer of bench/run, in the shape of the CLI clients.

    python aiokafka_bench.py produce -b BROKERS -t TOPIC [-a 1|all] [-z none|lz4|...] [-l LINGER_MS]
    python aiokafka_bench.py consume -b BROKERS -t TOPIC

produce: reads stdin, one record per line, KEY:VALUE (split at the first ':', as `kfk produce -K :`
and `kcat -K :` read the same file), and sends each with AIOKafkaProducer.send() (which queues
the record and returns a future; a full batch makes it wait), as an asyncio application that
does not wait for each record would, counting the futures' outcomes in a done callback; then
flushes and checks that every record was delivered. acks=all turns idempotence
on, acks=1 off (as for the other clients). Exit 0 when every record was delivered, 1 otherwise
(the count and the first error on stderr).

consume: assigns every partition of TOPIC, seeks to the beginning, and writes each value and a
newline to stdout (as `kfk consume -o beginning -e`) until every partition reached the end
offset it had at the start (aiokafka has no end-of-partition event: end_offsets() asks, as a
user reading a topic to its end would); getmany() in batches. bench/run counts the lines.

Timed from outside (bench/bench_time), as every client in bench/run.
"""

import argparse
import asyncio
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def produce(args):
    acks = "all" if args.acks in ("all", "-1") else int(args.acks)
    p = AIOKafkaProducer(
        bootstrap_servers=args.bootstrap,
        acks=acks,
        enable_idempotence=acks == "all",
        compression_type=None if args.codec == "none" else args.codec,
        linger_ms=args.linger,
    )
    await p.start()
    sent = 0
    done = {"ok": 0, "failed": 0, "first": None}

    def on_done(fut):
        if fut.cancelled() or fut.exception() is not None:
            done["failed"] += 1
            done["first"] = done["first"] or (fut.exception() if not fut.cancelled() else "cancelled")
        else:
            done["ok"] += 1

    try:
        for line in sys.stdin.buffer:
            key, sep, value = line.rstrip(b"\n").partition(b":")
            if not sep:
                key, value = None, key
            (await p.send(args.topic, value, key=key)).add_done_callback(on_done)
            sent += 1
        await p.flush()
        await asyncio.sleep(0)  # the done callbacks of the last futures
    finally:
        await p.stop()
    failed, first = sent - done["ok"], done["first"]
    if failed:
        print(f"aiokafka_bench: {failed} of {sent} records failed, first: {first!r}", file=sys.stderr)
        return 1
    return 0


async def consume(args):
    # auto_offset_reset="earliest": the partitions start at the beginning by themselves; with
    # the default ("latest") the reset could land after seek_to_beginning() and read nothing.
    c = AIOKafkaConsumer(bootstrap_servers=args.bootstrap, enable_auto_commit=False, group_id=None,
                         auto_offset_reset="earliest")
    await c.start()
    got = 0
    out = sys.stdout.buffer
    try:
        parts = c.partitions_for_topic(args.topic)
        for _ in range(100):
            if parts:
                break
            await c._client.force_metadata_update()
            parts = c.partitions_for_topic(args.topic)
        if not parts:
            print(f"aiokafka_bench: no partitions for {args.topic}", file=sys.stderr)
            return 1
        tps = [TopicPartition(args.topic, p) for p in sorted(parts)]
        c.assign(tps)
        ends = await c.end_offsets(tps)
        await c.seek_to_beginning(*tps)
        left = {tp for tp in tps if ends[tp] > 0}
        while left:
            batches = await c.getmany(*left, timeout_ms=1000, max_records=10000)
            for tp, msgs in batches.items():
                for m in msgs:
                    out.write(m.value)
                    out.write(b"\n")
                got += len(msgs)
                if msgs and msgs[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
        out.flush()
    finally:
        await c.stop()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["produce", "consume"])
    ap.add_argument("-b", dest="bootstrap", required=True)
    ap.add_argument("-t", dest="topic", required=True)
    ap.add_argument("-a", dest="acks", default="1")
    ap.add_argument("-z", dest="codec", default="none")
    ap.add_argument("-l", dest="linger", type=int, default=5)
    args = ap.parse_args()
    run = produce if args.mode == "produce" else consume
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
