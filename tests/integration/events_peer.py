"""events_peer.py: the Python side of the events interop tests, as Dispytch runs it.

Dispytch's Kafka backend sends each event as an envelope {id, type, body[, timestamp]}
serialized with json.dumps(...).encode() (its default) or msgpack.packb(..., use_bin_type=True),
keyed by str() of the body's partition-key path, through aiokafka's default partitioner; its
reader decodes with json.loads / msgpack.unpackb(raw=False).

  python events_peer.py produce BOOTSTRAP TOPIC json|msgpack < events.jsonl
      each stdin line: {"id", "type", "body", "timestamp" (optional), "partition_by" (optional)}
      prints one JSON line per event: {"id", "partition", "offset"}
  python events_peer.py consume BOOTSTRAP TOPIC json|msgpack COUNT
      prints one JSON line per record: {"partition", "offset", "key", "expected_partition",
      "envelope"} where expected_partition is what aiokafka's DefaultPartitioner picks for key
"""
import asyncio
import json
import sys

import msgpack
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner


def serialize(kind, envelope):
    if kind == "json":
        return json.dumps(envelope).encode()
    return msgpack.packb(envelope, use_bin_type=True)


def deserialize(kind, data):
    if kind == "json":
        return json.loads(data)
    return msgpack.unpackb(data, raw=False)


def key_at(body, path):
    value = body
    for part in path.split("."):
        value = value[part]
    return str(value).encode()


async def produce(bootstrap, topic, kind):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for line in sys.stdin:
            ev = json.loads(line)
            envelope = {"id": ev["id"], "type": ev["type"], "body": ev["body"]}
            if "timestamp" in ev:
                envelope["timestamp"] = ev["timestamp"]
            key = key_at(ev["body"], ev["partition_by"]) if ev.get("partition_by") else None
            md = await producer.send_and_wait(topic, serialize(kind, envelope), key=key)
            print(json.dumps({"id": ev["id"], "partition": md.partition, "offset": md.offset}))
    finally:
        await producer.stop()


async def consume(bootstrap, topic, kind, count):
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    partitioner = DefaultPartitioner()
    try:
        parts = sorted(consumer.partitions_for_topic(topic) or [])
        seen = 0
        while seen < count:
            batches = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 60)
            for tp, records in batches.items():
                for r in records:
                    expected = partitioner(r.key, parts, parts) if r.key is not None else None
                    print(json.dumps({
                        "partition": r.partition, "offset": r.offset,
                        "key": r.key.decode() if r.key is not None else None,
                        "expected_partition": expected,
                        "envelope": deserialize(kind, r.value),
                    }), flush=True)
                    seen += 1
    finally:
        await consumer.stop()


def main():
    mode, bootstrap, topic, kind = sys.argv[1:5]
    if mode == "produce":
        asyncio.run(produce(bootstrap, topic, kind))
    else:
        asyncio.run(consume(bootstrap, topic, kind, int(sys.argv[5])))


if __name__ == "__main__":
    main()
