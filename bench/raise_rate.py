"""Tickets raised per second through the handler layer (Router.handle), on SQLite and PostgreSQL.

Measures, per backend:
  * raise: the confirming event of the raise dialog, the one that creates the ticket with its
    audit event and outbox intents. Each raise gets its own conversation whose dialog state
    sits at the confirm step, copied (untimed) from a dialog driven for real; only the
    confirming events are timed. Once on one thread, once on two, once with delivery ids.
  * dialog: the whole dialog (/new and seven answers) per ticket, every event timed.
  * outbox: the dispatcher delivering queued intents to a RecordingSender.

Figures are printed beside the issue's targets, never asserted.
"""

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import insert

from bench.desks import BenchDesk
from bench.report import Row
from bench.stats import Figures
from bot.dispatcher import Dispatcher
from bot.platforms.base import Delivery
from handlers.dialog_state import dialog_key
from handlers.events import EventKind, InboundEvent, Place, Reply
from handlers.router import Router
from storage.models import DialogState
from tests.support.chat import PLATFORM, RecordingSender
from workflows.dialogs import Dialog, load_dialog, save_dialog
from workflows.directory import load_person
from workflows.unit_of_work import unit_of_work

PERSON = "alice"
ANSWERS = (
    "Incident",
    "VPN",
    "VPN drops every hour",
    "It disconnects on the hour",
    "High",
    "Medium",
)
CONFIRM = "Raise it"
TARGETS = {"sqlite": 1000.0, "postgresql": 500.0}
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Plan:
    """How much to run; the defaults keep `make bench` to a minute or two."""

    raises: int = 2000
    side_raises: int = 500
    warmup: int = 100
    dialogs: int = 200
    outbox: int = 500
    delivery_ids: bool = True


class DeliveryDropped(RuntimeError):
    """The router answered a first delivery with nothing: it took it for a duplicate."""


_conversations = (f"bench-{n}" for n in itertools.count(1))
_deliveries = (f"bench-delivery-{n}" for n in itertools.count(1))


def _event(conversation: str, kind: EventKind, name: str, text: str, dedupe: bool) -> InboundEvent:
    delivery = next(_deliveries) if dedupe else None
    return InboundEvent(PERSON, Place(PLATFORM, conversation), kind, name, text, delivery)


def _say(conversation: str, text: str, dedupe: bool = False) -> InboundEvent:
    return _event(conversation, EventKind.TEXT, "", text, dedupe)


def _new(conversation: str) -> InboundEvent:
    return _event(conversation, EventKind.COMMAND, "new", "", dedupe=False)


def _raised(event: InboundEvent, replies: list[Reply]) -> str:
    """The reference the confirming event raised; a broken bench stops here, loudly."""
    if not replies and event.delivery_id is not None:
        raise DeliveryDropped(f"delivery {event.delivery_id} was dropped as a duplicate")
    reference = replies[0].ticket if replies else None
    if reference is None:
        raise RuntimeError(f"the confirm step raised no ticket: {replies}")
    return reference


def _confirm_state(router: Router) -> Dialog:
    """Drive the real dialog once, up to its confirm step, and return the state it saved."""
    conversation = next(_conversations)
    for event in (_new(conversation), *(_say(conversation, answer) for answer in ANSWERS)):
        router.handle(event)
    with unit_of_work(router.ctx.db) as session:
        dialog = load_dialog(session, dialog_key(_say(conversation, "")))
    if dialog is None or dialog.step != "confirm":
        raise RuntimeError(f"the raise dialog did not reach its confirm step: {dialog}")
    confirm = _say(conversation, CONFIRM)
    _raised(confirm, router.handle(confirm))
    return dialog


def _seed(router: Router, state: Dialog, count: int) -> list[str]:
    """`count` new conversations, each with a raise dialog waiting at its confirm step.

    The first is saved by save_dialog; the rest are copies of its row, inserted in bulk."""
    conversations = [next(_conversations) for _ in range(count)]
    if not conversations:
        return conversations
    now = router.ctx.clock.now()
    with unit_of_work(router.ctx.db) as session:
        save_dialog(session, dialog_key(_say(conversations[0], "")), state, now)
        person_id = load_person(session, PERSON).id
        rows = [
            {
                "person_id": person_id,
                "platform": PLATFORM,
                "conversation": conversation,
                "name": state.name,
                "step": state.step,
                "data": state.data,
                "updated_at": now,
            }
            for conversation in conversations[1:]
        ]
        if rows:
            session.execute(insert(DialogState), rows)
    return conversations


def _time_confirms(router: Router, conversations: list[str], dedupe: bool) -> list[float]:
    latencies = []
    for conversation in conversations:
        event = _say(conversation, CONFIRM, dedupe)
        started = time.perf_counter()
        replies = router.handle(event)
        latencies.append((time.perf_counter() - started) * 1000)
        _raised(event, replies)
    return latencies


def raises(
    router: Router, count: int, warmup: int, threads: int = 1, dedupe: bool = False
) -> Figures:
    """Raise `count` tickets by their confirming events, on `threads` threads."""
    state = _confirm_state(router)
    _time_confirms(router, _seed(router, state, warmup), dedupe)
    conversations = _seed(router, state, count)
    shares = [conversations[index::threads] for index in range(threads)]
    results: list[list[float]] = [[] for _ in range(threads)]
    failures: list[BaseException] = []
    gate = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        gate.wait()
        try:
            results[index] = _time_confirms(router, shares[index], dedupe)
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    gate.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    latencies = tuple(latency for result in results for latency in result)
    return Figures(len(conversations), elapsed, latencies)


def _dialog_events(conversation: str) -> Iterator[InboundEvent]:
    yield _new(conversation)
    for answer in ANSWERS:
        yield _say(conversation, answer)
    yield _say(conversation, CONFIRM)


def _walk(router: Router, conversation: str, latencies: list[float]) -> None:
    for event in _dialog_events(conversation):
        started = time.perf_counter()
        replies = router.handle(event)
        latencies.append((time.perf_counter() - started) * 1000)
    _raised(event, replies)


def dialogs(router: Router, plan: Plan) -> Figures:
    """Walk the whole raise dialog `plan.dialogs` times; tickets per second, latency per event."""
    warm: list[float] = []
    for _ in range(max(plan.warmup // 8, 1)):
        _walk(router, next(_conversations), warm)
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(plan.dialogs):
        _walk(router, next(_conversations), latencies)
    return Figures(plan.dialogs, time.perf_counter() - started, tuple(latencies))


@dataclass
class _Stopwatch:
    """A sender that hands each delivery to the recorder and notes when it was done."""

    inner: RecordingSender
    name: str = ""
    reaches_everyone: bool = True
    marks: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name, self.reaches_everyone = self.inner.name, self.inner.reaches_everyone

    async def send(self, delivery: Delivery) -> str | None:
        """Deliver to the recorder; note the moment."""
        started = await self.inner.send(delivery)
        self.marks.append(time.perf_counter())
        return started


def outbox(bench: BenchDesk, limit: int) -> Figures:
    """Call Dispatcher.run_once until it has attempted at least `limit` intents (or found none);
    latency is the gap between one delivery and the next."""
    stopwatch = _Stopwatch(bench.sender)
    desk = bench.desk
    dispatcher = Dispatcher(desk.db, desk.router.ctx.clock, [stopwatch])

    async def drain() -> None:
        attempted = 0
        while attempted < limit:
            batch = await dispatcher.run_once()
            if batch == 0:
                return
            attempted += batch

    started = time.perf_counter()
    asyncio.run(drain())
    elapsed = time.perf_counter() - started
    marks = [started, *stopwatch.marks]
    gaps = tuple((later - earlier) * 1000 for earlier, later in itertools.pairwise(marks))
    return Figures(len(stopwatch.marks), elapsed, gaps)


def run_backend(
    name: str,
    open_desk: Callable[[], AbstractContextManager[BenchDesk]],
    plan: Plan,
    notes: list[str],
) -> list[Row]:
    """Every measurement on one backend: the rows of the table (and notes for what failed)."""
    label, target = LABELS[name], TARGETS[name]
    rows: list[Row] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    with open_desk() as bench:
        print(f"  {label}: {bench.server}", flush=True)
        router = bench.desk.router
        one_thread = raises(router, plan.raises, plan.warmup)
        rows.append(Row(label, "raise (confirm step), 1 thread", "raises", one_thread, target))
        two_threads = raises(router, plan.side_raises, plan.warmup, threads=2)
        rows.append(Row(label, "raise (confirm step), 2 threads", "raises", two_threads, target))
        if plan.delivery_ids:
            measure = "raise with a delivery_id (de-dup)"
            try:
                deduped = raises(router, plan.side_raises, plan.warmup, dedupe=True)
            except DeliveryDropped as dropped:
                notes.append(
                    f"{label}, {measure}: not measured; the router dropped a first delivery "
                    f"as a duplicate ({dropped}), so no ticket was raised: "
                    "workflows.deliveries.first_delivery answered False for a new delivery."
                )
            else:
                rows.append(Row(label, measure, "raises", deduped, target))
        whole = dialogs(router, plan)
        rows.append(Row(label, "whole dialog (/new + 7 answers)", "tickets", whole, None))
        if plan.outbox:
            delivered = outbox(bench, plan.outbox)
            measure = "outbox dispatcher (run_once)"
            rows.append(Row(label, measure, "deliveries", delivered, None, per="intent"))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"  {label}: done in {elapsed:.1f} s; this process was on a CPU for "
        f"{cpu / elapsed:.0%} of it",
        flush=True,
    )
    return rows
