"""mock_aiokafka.py BOOTSTRAP TOPIC N: aiokafka (PyPI) against kfk mock: an idempotent producer
(acks=all) sends N keyed records, a group consumer reads them back and commits; the script exits
0 when every record was read exactly once and the committed offset of each partition is the
number of records read from it, else 1 with what differed.

aiokafka is not told the broker's version: its automatic bootstrap sends Metadata v0 (an empty
topic list: every topic), then ApiVersions picks the versions it uses, as against Kafka.
"""
import asyncio
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def main(bs, topic, n):
    p = AIOKafkaProducer(bootstrap_servers=bs, enable_idempotence=True, acks="all")
    await p.start()
    try:
        for i in range(n):
            await p.send_and_wait(topic, f"value-{i}".encode(), key=f"key-{i}".encode())
    finally:
        await p.stop()
    c = AIOKafkaConsumer(topic, bootstrap_servers=bs, group_id="aio",
                         auto_offset_reset="earliest", enable_auto_commit=False)
    await c.start()
    seen, per_part = {}, {}
    try:
        async def read():
            while len(seen) < n:
                batch = await c.getmany(timeout_ms=500)
                for tp, msgs in batch.items():
                    for m in msgs:
                        seen[m.key] = seen.get(m.key, 0) + 1
                        per_part[tp.partition] = per_part.get(tp.partition, 0) + 1
            await c.commit()
        await asyncio.wait_for(read(), 30)
        committed = {tp.partition: await c.committed(tp) for tp in c.assignment()}
    finally:
        await c.stop()
    ok = len(seen) == n and all(v == 1 for v in seen.values())
    ok = ok and all(committed.get(pt) == cnt for pt, cnt in per_part.items())
    print(f"aiokafka: {len(seen)} distinct of {n}, {sum(seen.values())} read; per partition "
          f"read {sorted(per_part.items())}, committed {sorted(committed.items())}")
    return 0 if ok else 1


sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
