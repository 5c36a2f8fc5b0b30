"""The Slack desk served for real on 127.0.0.1, and a client that signs requests like Slack.

`SlackDesk` runs the real SlackPlatform (bolt under uvicorn, or Socket Mode) on its own event
loop in a thread, on a given database and clock, talking to a SlackDouble. `SlackClient`
sends slash commands, interactivity payloads and events with Slack's signature headers.
"""

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from bot.app import Desk, build_desk
from bot.config import Config, PersonConfig, SlackConfig, SlackHttpConfig
from bot.directory import directory_spec
from bot.platforms.slack.platform import SlackPlatform
from storage.database import Database
from storage.enums import OutboxStatus
from storage.models import OutboxIntent, Ticket
from tests.support.slack_double import WAIT_SECONDS
from workflows.clock import Clock
from workflows.directory import sync_directory
from workflows.unit_of_work import unit_of_work

SECRET = "test-signing-secret"
PATH = "/slack/events"
SLACK_IDS = {
    "alice": "U0ALICE",
    "bob": "U0BOB",
    "dave": "U0DAVE",
    "erin": "U0ERIN",
    "carol": "U0CAROL",
    "grace": "U0GRACE",
}


def slack_config(base: Config, api_base_url: str, mode: Literal["http", "socket"]) -> Config:
    """The demo config with Slack accounts for some people and a Slack section."""
    people = [
        PersonConfig(**(person.model_dump() | {"slack": SLACK_IDS.get(person.id)}))
        for person in base.people
    ]
    slack = SlackConfig(
        bot_token="xoxb-test",
        signing_secret=SECRET,
        app_token="xapp-test",
        mode=mode,
        http=SlackHttpConfig(port=free_port(), path=PATH),
        api_base_url=api_base_url,
    )
    return base.model_copy(update={"people": people, "slack": slack})


@dataclass
class SlackDesk:
    """The desk on the Slack platform, served in a background thread."""

    config: Config
    desk: Desk
    loop: asyncio.AbstractEventLoop
    serving: "asyncio.Task[None]"

    @classmethod
    def start(cls, config: Config, db: Database, clock: Clock) -> "SlackDesk":
        """Sync the directory from `config`, then serve until `stop`."""
        assert config.slack is not None
        with unit_of_work(db) as session:
            sync_directory(session, directory_spec(config))
        platform = SlackPlatform(config.slack, host="127.0.0.1")
        desk = build_desk(config, db, [platform.sender], clock)
        loop = asyncio.new_event_loop()
        threading.Thread(target=_run_until_stopped, args=(loop,), daemon=True).start()
        serving = asyncio.run_coroutine_threadsafe(_started(platform.serve(desk)), loop).result()
        if config.slack.mode == "http":
            wait_for_port(config.slack.http.port)
        return cls(config, desk, loop, serving)

    def deliver(self) -> int:
        """Run the outbox dispatcher once, on the server's loop; how many intents it tried."""
        work = asyncio.run_coroutine_threadsafe(self.desk.dispatcher.run_once(), self.loop)
        return work.result(timeout=WAIT_SECONDS)

    def stop(self) -> None:
        """Stop serving, wait until the platform has closed, and end the thread."""
        stopped = asyncio.run_coroutine_threadsafe(_cancelled(self.serving), self.loop)
        stopped.result(timeout=WAIT_SECONDS)
        self.loop.call_soon_threadsafe(self.loop.stop)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer from the app."""

    status: int
    body: str

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class SlackClient:
    """Sends requests to the app as Slack does, signed with `secret`."""

    def __init__(self, port: int, secret: str = SECRET) -> None:
        self._url = f"http://127.0.0.1:{port}{PATH}"
        self._verifier = SignatureVerifier(secret)

    def command(self, user: str, text: str = "", channel: str = "C0GENERAL") -> Answer:
        """`/ticket text` from `user` in `channel`."""
        fields = {
            "command": "/ticket",
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "team_id": "T1",
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "response_url": "http://127.0.0.1:9/unused",
        }
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> Answer:
        """An interactivity payload (block_actions, view_submission, message_action)."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], event_id: str, retry: int = 0) -> Answer:
        """An Events API callback; `retry` > 0 sends it as Slack's retry of it."""
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": event,
                "event_id": event_id,
                "event_time": int(time.time()),
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, "application/json", headers if retry else {})

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        age: float = 0,
        signed: bool = True,
    ) -> Answer:
        """POST `body`, signed as `age` seconds ago (or not signed at all)."""
        timestamp = str(int(time.time() - age))
        signature = str(self._verifier.generate_signature(timestamp=timestamp, body=body))
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
        request = urllib.request.Request(self._url, body.encode(), sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())


def ticket(served: SlackDesk, reference: str) -> Ticket | None:
    """The stored ticket `reference` (detached), if there is one."""
    with unit_of_work(served.desk.db) as session:
        found = session.scalar(select(Ticket).where(Ticket.reference == reference))
        if found is not None:
            session.expunge(found)
        return found


def undelivered(served: SlackDesk) -> int:
    """How many outbox intents are not delivered yet (1 while there are none at all)."""
    with unit_of_work(served.desk.db) as session:
        statuses = session.scalars(select(OutboxIntent.status)).all()
    return sum(status != OutboxStatus.DELIVERED for status in statuses) if statuses else 1


async def _started(work: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    return asyncio.create_task(work)


async def _cancelled(task: "asyncio.Task[None]") -> None:
    """Cancel the platform, then whatever it left running (deliveries, answers)."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    others = [other for other in asyncio.all_tasks() if other is not asyncio.current_task()]
    for other in others:
        other.cancel()
    await asyncio.gather(*others, return_exceptions=True)


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_forever()
    loop.close()


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int) -> None:
    """Wait until something listens on `port` of 127.0.0.1."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.01)
    raise AssertionError(f"the Slack app did not listen on port {port}")
