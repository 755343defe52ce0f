"""driver.py: the real Dispytch (0.9.1, 0.10.1 or 0.11.0, whichever this interpreter has) on its
Kafka backend, for the events interop tests (interop.py). Each version is used as its README and
docs show it: EventEmitter over dispytch's KafkaProducer over an AIOKafkaProducer with the key
serializer Dispytch services set (`str(value).encode()`); EventListener (0.9, 0.10) or
EventDispatcher (0.11) over dispytch's KafkaConsumer over an AIOKafkaConsumer (a group, no
auto-commit), handlers taking `Event[Model]`.

  python driver.py emit --bootstrap B --topic T --serializer json|msgpack < events.jsonl
      each stdin line: {"type": "UserRegistered"|"OrderPlaced", "fields": {...}}, the event's
      fields; emits each as a declared event class (keys: 0.9 partition_by="body.user.id" /
      "body.order.id", 0.10 partition_key=<the id> per event, 0.11 partition_key="{user[id]}" /
      "{order[id]}"; 0.11 topics by KafkaEventRoute(topic="T.{kind}") with kind "users" or
      "orders"). Prints one JSON line per event with what Dispytch handed aiokafka: {"topic",
      "partition", "offset", "key" (the serialized key as text, or null), "value" (the value
      decoded with Dispytch's own deserializer's decoder: json.loads / msgpack.unpackb)}.
  python driver.py listen --bootstrap B --topic T --group G --serializer S --count N
                          [--timeout SECONDS]
      runs the listener on T (0.11: on T.users and T.orders, handlers subscribed to "T.*" with
      route_delimiter ".", filtering by the event's "type" field) until its handlers got N
      events; prints one JSON line per handler call: {"handler", "id", "type", "timestamp",
      "topic", "body" (the validated model, model_dump(mode="json")), "key", "partition",
      "offset", "expected_partition" (aiokafka's DefaultPartitioner for that key)}. Exits 1
      (with what it got on stderr) if N events did not arrive within the timeout.
"""
import argparse
import asyncio
import contextvars
import importlib.metadata
import json
import sys
from typing import Optional

import msgpack
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from pydantic import BaseModel

VERSION = importlib.metadata.version("dispytch")
V = tuple(int(x) for x in VERSION.split(".")[:2])

from dispytch import EventBase, EventEmitter, Event  # noqa: E402

if V < (0, 10):
    from dispytch import EventListener
    from dispytch.consumers.kafka import KafkaConsumer
    from dispytch.deserializers import JSONDeserializer, MessagePackDeserializer
    from dispytch.producers.kafka import KafkaEventConfig, KafkaProducer
    from dispytch.serializers import JSONSerializer, MessagePackSerializer
elif V < (0, 11):
    from dispytch import EventListener
    from dispytch.kafka import KafkaConsumer, KafkaEventConfig, KafkaProducer
    from dispytch.serialization.json import JSONDeserializer, JSONSerializer
    from dispytch.serialization.msgpack import MessagePackDeserializer, MessagePackSerializer
else:
    from dispytch import EventDispatcher
    from dispytch.kafka import (KafkaConsumer, KafkaEventConfig, KafkaEventRoute,
                                KafkaEventSubscription, KafkaProducer)
    from dispytch.middleware import Filter
    from dispytch.serialization.json import JSONDeserializer, JSONSerializer
    from dispytch.serialization.msgpack import MessagePackDeserializer, MessagePackSerializer


def key_serializer(value):
    return str(value).encode()


# ---- the event schemas ------------------------------------------------------------------------

class User(BaseModel):
    id: int | str
    name: str


class Order(BaseModel):
    id: str
    cents: int


class UserRegisteredBody(BaseModel):
    user: User
    plan: str
    tags: list[str]
    score: float
    active: bool
    note: Optional[str] = None


class OrderPlacedBody(BaseModel):
    order: Order
    note: str


# 0.11 has no envelope: the type and the topic's varying part are fields of the event itself.
class UserRegistered11(UserRegisteredBody):
    type: str
    kind: str


class OrderPlaced11(OrderPlacedBody):
    type: str
    kind: str


def event_classes(topic):
    """The declared events, for this run's topic."""
    if V < (0, 10):
        class UserRegistered(EventBase, UserRegisteredBody):
            __topic__ = topic
            __event_type__ = "UserRegistered"
            __backend_config__ = KafkaEventConfig(partition_by="body.user.id")

        class OrderPlaced(EventBase, OrderPlacedBody):
            __topic__ = topic
            __event_type__ = "OrderPlaced"
            __backend_config__ = KafkaEventConfig(partition_by="body.order.id")
    elif V < (0, 11):
        class UserRegistered(EventBase, UserRegisteredBody):
            __topic__ = topic
            __event_type__ = "UserRegistered"

        class OrderPlaced(EventBase, OrderPlacedBody):
            __topic__ = topic
            __event_type__ = "OrderPlaced"
    else:
        class UserRegistered(EventBase, UserRegistered11):
            __route__ = KafkaEventRoute(topic=topic + ".{kind}")
            __backend_config__ = KafkaEventConfig(partition_key="{user[id]}")

        class OrderPlaced(EventBase, OrderPlaced11):
            __route__ = KafkaEventRoute(topic=topic + ".{kind}")
            __backend_config__ = KafkaEventConfig(partition_key="{order[id]}")
    return {"UserRegistered": UserRegistered, "OrderPlaced": OrderPlaced}


def decode(serializer, data):
    if serializer == "json":
        return json.loads(data.decode("utf-8"))
    return msgpack.unpackb(data, raw=False)


# ---- emit -------------------------------------------------------------------------------------

class RecordingProducer(AIOKafkaProducer):
    """An AIOKafkaProducer that remembers what Dispytch handed it and where it went."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent = []

    async def send_and_wait(self, topic, value=None, key=None, **kwargs):
        md = await super().send_and_wait(topic, value=value, key=key, **kwargs)
        self.sent.append((topic, value, key, md))
        return md


async def emit(args):
    classes = event_classes(args.topic)
    aio = RecordingProducer(bootstrap_servers=args.bootstrap, key_serializer=key_serializer,
                            acks="all")
    await aio.start()
    try:
        if V < (0, 10):
            ser = JSONSerializer() if args.serializer == "json" else MessagePackSerializer()
            emitter = EventEmitter(KafkaProducer(aio, ser))
        else:
            ser = JSONSerializer() if args.serializer == "json" else MessagePackSerializer()
            emitter = EventEmitter(KafkaProducer(aio), ser)
        for line in sys.stdin:
            spec = json.loads(line)
            cls = classes[spec["type"]]
            ev = cls(**spec["fields"])
            if (0, 10) <= V < (0, 11):
                # 0.10's key is a literal: the emitting service passes the event's id.
                key = ev.user.id if spec["type"] == "UserRegistered" else ev.order.id
                ev.__backend_config__ = KafkaEventConfig(partition_key=key)
            n = len(aio.sent)
            await emitter.emit(ev)
            assert len(aio.sent) == n + 1, "the emitter sent nothing (a producer timeout?)"
            topic, value, key, md = aio.sent[-1]
            print(json.dumps({
                "topic": topic, "partition": md.partition, "offset": md.offset,
                "key": None if key is None else key_serializer(key).decode(),
                "value": decode(args.serializer, value),
            }), flush=True)
    finally:
        await aio.stop()


# ---- listen -----------------------------------------------------------------------------------

# The Kafka record of the event being handled: set where the consumer yields it; each handler
# task is created right after (asyncio copies the context), so the handler sees its own record.
CURRENT = contextvars.ContextVar("record")
# 0.11's consumer keeps only (partition, offset) of a record: the records by (tp, offset).
RECORDS = {}


class RecordingAIOConsumer(AIOKafkaConsumer):
    async def getmany(self, *partitions, **kwargs):
        got = await super().getmany(*partitions, **kwargs)
        for tp, records in got.items():
            for r in records:
                RECORDS[(tp, r.offset)] = r
        return got


class RecordingKafkaConsumer(KafkaConsumer):
    async def listen(self):
        async for item in super().listen():
            if V < (0, 11):
                CURRENT.set(self._waiting_for_commit[item.id])
            else:
                info = self._waiting_for_commit[item.id]
                CURRENT.set(RECORDS.pop((info.tp, info.offset)))
            yield item


async def listen(args):
    got = []
    done = asyncio.Event()
    partitioner = DefaultPartitioner()

    def report(handler, ev_id, ev_type, timestamp, topic, body):
        r = CURRENT.get()
        parts = sorted(aio.partitions_for_topic(r.topic) or [])
        expected = partitioner(r.key, parts, parts) if r.key is not None else None
        line = {
            "handler": handler, "id": ev_id, "type": ev_type, "timestamp": timestamp,
            "topic": topic, "body": body.model_dump(mode="json"),
            "key": None if r.key is None else r.key.decode(), "partition": r.partition,
            "offset": r.offset, "expected_partition": expected,
        }
        got.append(line)
        print(json.dumps(line), flush=True)
        if len(got) >= args.count:
            done.set()

    deser = JSONDeserializer() if args.serializer == "json" else MessagePackDeserializer()
    if V < (0, 11):
        aio = AIOKafkaConsumer(args.topic, bootstrap_servers=args.bootstrap, group_id=args.group,
                               auto_offset_reset="earliest", enable_auto_commit=False)
        if V < (0, 10):
            consumer = RecordingKafkaConsumer(aio, deser)
            listener = EventListener(consumer)
        else:
            consumer = RecordingKafkaConsumer(aio)
            listener = EventListener(consumer, deser)

        @listener.handler(topic=args.topic, event="UserRegistered")
        async def on_user(event: Event[UserRegisteredBody]):
            report("UserRegistered", event.id, event.type,
                   getattr(event, "timestamp", None), event.topic, event.body)

        @listener.handler(topic=args.topic, event="OrderPlaced")
        async def on_order(event: Event[OrderPlacedBody]):
            report("OrderPlaced", event.id, event.type,
                   getattr(event, "timestamp", None), event.topic, event.body)

        await aio.start()
        task = asyncio.create_task(listener.listen())
    else:
        # The topics T.users and T.orders (0.11's KafkaConsumer re-subscribes to the topic list
        # it finds, so no regex subscription), routed by a `*` pattern over "."-separated route
        # segments.
        aio = RecordingAIOConsumer(args.topic + ".users", args.topic + ".orders",
                                   bootstrap_servers=args.bootstrap, group_id=args.group,
                                   auto_offset_reset="earliest", enable_auto_commit=False)
        consumer = RecordingKafkaConsumer(aio)
        dispatcher = EventDispatcher(consumer, route_delimiter=".", deserializer=deser)
        sub = KafkaEventSubscription(topic=args.topic + ".*")

        @dispatcher.handler(sub, middlewares=[Filter(lambda c: c.event.get("type") ==
                                                     "UserRegistered")])
        async def on_user(event: Event[UserRegistered11]):
            report("UserRegistered", None, event.type, None, CURRENT.get().topic, event)

        @dispatcher.handler(sub, middlewares=[Filter(lambda c: c.event.get("type") ==
                                                     "OrderPlaced")])
        async def on_order(event: Event[OrderPlaced11]):
            report("OrderPlaced", None, event.type, None, CURRENT.get().topic, event)

        await consumer.start()
        task = asyncio.create_task(dispatcher.start())
    ok = True
    try:
        waiter = asyncio.create_task(done.wait())
        finished, _ = await asyncio.wait({waiter, task}, timeout=args.timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        if waiter not in finished:
            ok = False
            waiter.cancel()
            why = task.exception() if task in finished else "timed out"
            print(f"driver listen ({VERSION}): {len(got)} of {args.count} events after "
                  f"{args.timeout} s ({why})", file=sys.stderr)
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
        if V < (0, 11):
            await aio.stop()
        else:
            await consumer.stop()
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["emit", "listen", "version"])
    p.add_argument("--bootstrap")
    p.add_argument("--topic")
    p.add_argument("--group")
    p.add_argument("--serializer", choices=["json", "msgpack"], default="json")
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    if args.mode == "version":
        print(VERSION)
        return 0
    if args.mode == "emit":
        asyncio.run(emit(args))
        return 0
    return asyncio.run(listen(args))


if __name__ == "__main__":
    sys.exit(main())
