"""A worker that takes events from a RabbitMQ queue, routes them in batches, records each as a
case, publishes each decision (and each reject, with its reasons) to an exchange, and only
then acknowledges the messages (docs/bus.md).

Delivery is at least once: a message is acknowledged only after its case is written (one
committed statement) and its decision is confirmed by the broker (publisher confirms). A worker
killed mid-batch loses nothing — its unacknowledged messages go to another worker — and does no
harm twice: a case is recorded once per (source, event id) (remit.casework), and a decision
redelivered is the same decision with the same ``decision_id`` (deterministic), published
under that id as the message id, so a consumer can drop a duplicate.

Several workers, on several machines, share a queue; each keeps a router (its snapshots and
outcome cache) and makes it again when the registry has a new revision (looked for once per
batch). The client is aio-pika (asyncio); routing and recording run on the worker's one thread
between reading a batch and publishing it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from remit.casework import CaseBook
from remit.casework.records import RECORDED
from remit.deadlines import WorkCalendar
from remit.errors import InputError
from remit.i18n import t
from remit.registry import Registry
from remit.routing.batch import Item, Routed, route_items
from remit.routing.router import Router

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_EXCHANGE = "remit.decisions"


@dataclass(frozen=True)
class BusSettings:
    """Where a worker reads and writes, and how much it takes at once.

    ``queue``: the durable queue of events (one JSON event a message, as a line of
    ``remit route-batch``'s JSON Lines); ``exchange``: the durable topic exchange decisions
    go to, under the routing key ``decision.<status>`` (``reject`` for an event refused);
    ``batch``: the most messages routed together; ``wait``: how long a batch waits to fill,
    in seconds, once its first message came; ``record``: keep each routable event as a case;
    ``actor``: who the cases' first steps name."""

    queue: str
    amqp_url: str = DEFAULT_AMQP
    exchange: str = DEFAULT_EXCHANGE
    batch: int = 200
    wait: float = 0.2
    record: bool = True
    actor: str = "bus"


@dataclass
class BusStats:
    """What a worker has done since it started."""

    received: int = 0
    redelivered: int = 0
    recorded: int = 0
    again: int = 0
    """Events whose case was recorded before (a redelivery, or the same event sent twice)."""
    batches: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        return self.received / max(time.monotonic() - self.started, 1e-9)


class BusWorker:
    """Routes the events of ``settings.queue`` on ``registry`` until :meth:`stop`."""

    def __init__(
        self,
        registry: Registry,
        settings: BusSettings,
        *,
        rules_dir: Path | None = None,
        calendar: WorkCalendar | None = None,
        say: Callable[[str], None] | None = None,
        every: float = 10.0,
    ):
        self.registry = registry
        self.settings = settings
        self.rules_dir = rules_dir
        self.calendar = calendar or WorkCalendar()
        self.stats = BusStats()
        self._say = say
        self._every = every
        self._said = time.monotonic()
        self._router: Router | None = None
        self._revision = -1
        self._book = CaseBook(registry, rules_dir=rules_dir) if settings.record else None
        self._stopping = asyncio.Event()
        self._source = f"amqp:{settings.queue}"

    def stop(self) -> None:
        """Finish the batch at hand (publish, acknowledge), then return from :meth:`run`."""
        self._stopping.set()

    async def run(self) -> BusStats:
        """Consume until stopped. Refuses (:class:`InputError`) a broker it cannot reach."""
        try:
            connection = await aio_pika.connect_robust(self.settings.amqp_url)
        except (OSError, aio_pika.exceptions.AMQPError) as exc:
            raise InputError.one(
                "bus.unreachable", url=safe_url(self.settings.amqp_url), detail=str(exc)
            ) from None
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=self.settings.batch * 2)
            queue = await channel.declare_queue(self.settings.queue, durable=True)
            exchange = await channel.declare_exchange(
                self.settings.exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
            incoming: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            tag = await queue.consume(incoming.put)
            try:
                while not self._stopping.is_set():
                    batch = await self._gather(incoming)
                    if batch:
                        await self._handle(batch, exchange)
            finally:
                await queue.cancel(tag)
                for message in _drain(incoming):  # taken but not handled: back to the queue
                    await message.nack(requeue=True)
        self.close()
        return self.stats

    def close(self) -> None:
        if self._router is not None:
            self._router.close()
            self._router = None
        if self._book is not None:
            self._book.dispose()

    async def _gather(
        self, incoming: asyncio.Queue[AbstractIncomingMessage]
    ) -> list[AbstractIncomingMessage]:
        """Up to ``batch`` messages: waits for the first (or for the stop), then at most
        ``wait`` seconds for the rest."""
        stop = asyncio.ensure_future(self._stopping.wait())
        first = asyncio.ensure_future(incoming.get())
        done, _ = await asyncio.wait({stop, first}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if first not in done:
            first.cancel()
            return []
        batch = [first.result()]
        deadline = time.monotonic() + self.settings.wait
        while len(batch) < self.settings.batch:
            try:
                batch.append(incoming.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(incoming.get(), left))
            except TimeoutError:
                break
        return batch

    async def _handle(
        self, batch: list[AbstractIncomingMessage], exchange: aio_pika.abc.AbstractExchange
    ) -> None:
        router = self._current()
        outgoing: list[aio_pika.Message] = []
        keys: list[str] = []
        held: list[Routed] = []
        items: list[Item] = []
        for message in batch:
            self.stats.received += 1
            self.stats.redelivered += bool(message.redelivered)
            items.append(({"source": self._source, "line": self.stats.received}, message.body))
        for message, done in zip(batch, route_items(router, items), strict=True):
            self.stats.statuses[done.status] += 1
            if done.decision is not None and done.decision.status in RECORDED:
                held.append(done)
            keys.append("reject" if done.status == "rejected" else f"decision.{done.status}")
            outgoing.append(_message(done, message))
        self._record(held)
        # every decision confirmed by the broker, then every message acknowledged at once
        await asyncio.gather(
            *(exchange.publish(m, routing_key=k) for m, k in zip(outgoing, keys, strict=True))
        )
        await batch[-1].ack(multiple=True)
        self.stats.batches += 1
        self._progress()

    def _record(self, held: list[Routed]) -> None:
        """The batch's events someone holds kept as cases, in one write (each once: an event
        recorded before, or redelivered, is counted as such). A decision the case book refuses
        (no holder) is published all the same, with no case."""
        if self._book is None or not held:
            return
        pairs = [
            (d.event, d.decision) for d in held if d.event is not None and d.decision is not None
        ]
        for result in self._book.record_many(pairs, self.settings.actor):
            if result is True:
                self.stats.recorded += 1
            elif result is False:
                self.stats.again += 1

    def _current(self) -> Router:
        latest = self.registry.revision()
        if self._router is None or latest != self._revision:
            if self._router is not None:
                self._router.close()
            self._router = Router(
                self.registry, rules_dir=self.rules_dir, calendar=self.calendar, known_at=latest
            )
            self._revision = latest
        return self._router

    def _progress(self, final: bool = False) -> None:
        now = time.monotonic()
        if self._say is None or (not final and now - self._said < self._every):
            return
        self._said = now
        s = self.stats
        self._say(
            t(
                "bus.progress",
                received=s.received,
                rejected=s.statuses.get("rejected", 0),
                recorded=s.recorded,
                again=s.again,
                redelivered=s.redelivered,
                rate=round(s.rate),
            )
        )


def _message(done: Routed, incoming: AbstractIncomingMessage) -> aio_pika.Message:
    """The decision (or reject) as a persistent message: its id the decision's (the same for
    a redelivered event), else a hash of the reject; the event's id in the headers."""
    body = done.line.encode("utf-8")
    if done.decision is not None:
        message_id = done.decision.decision_id
    else:
        message_id = "reject-" + hashlib.sha256(body).hexdigest()[:32]
    headers: dict[str, Any] = {"status": done.status}
    if done.event is not None:
        headers["event_id"] = done.event.id
    if incoming.message_id:
        headers["in_reply_to"] = incoming.message_id
    return aio_pika.Message(
        body,
        content_type="application/json",
        message_id=message_id,
        headers=headers,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _drain(incoming: asyncio.Queue[AbstractIncomingMessage]) -> list[AbstractIncomingMessage]:
    left = []
    while not incoming.empty():
        left.append(incoming.get_nowait())
    return left


def safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    head, at, rest = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{rest}"


def run_worker(worker: BusWorker) -> BusStats:
    """Run ``worker`` until SIGINT or SIGTERM (which finish the batch at hand first)."""
    import signal

    async def main() -> BusStats:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        stats = await worker.run()
        worker._progress(final=True)
        return stats

    return asyncio.run(main())


__all__ = [
    "DEFAULT_AMQP",
    "DEFAULT_EXCHANGE",
    "BusSettings",
    "BusStats",
    "BusWorker",
    "run_worker",
    "safe_url",
]
