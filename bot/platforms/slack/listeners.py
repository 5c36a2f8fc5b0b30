"""The thin bolt listeners, registered from one table: each acknowledges at once (a modal
submission after checking it, as Slack wants its errors in the acknowledgement), translates
the payload, lets the router handle it in a worker thread, and answers the person."""

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.dispatcher import Dispatcher
from bot.kicker import Kicker
from bot.platforms.slack import inbound
from bot.platforms.slack.lookups import Lookups
from bot.platforms.slack.outbound import home_view, modal_view
from bot.platforms.slack.replies import HELP, UNKNOWN_PERSON, Answerer
from handlers.events import InboundEvent, Reply
from handlers.raise_form import FORM, form_errors
from handlers.router import Router
from handlers.ticket_actions import REASON_FORM
from storage.database import Database

Body = dict[str, Any]
Listener = Callable[..., Awaitable[None]]

# Card edits of a burst go out together, near Slack's pace of about a message a second.
BURST_PAUSE_SECONDS = 0.5


class Listeners:
    """What the Slack app does with each kind of request."""

    def __init__(
        self, router: Router, db: Database, dispatcher: Dispatcher, client: AsyncWebClient
    ) -> None:
        self._router = router
        self._lookups = Lookups(db)
        self._kicker = Kicker(dispatcher, pause=BURST_PAUSE_SECONDS)
        self._answerer = Answerer(client)
        self._client = client

    async def on_command(self, ack: AsyncAck, body: Body) -> None:
        """`/ticket …`: open the raise form, answer ephemerally, or (the change dialog) ask
        in the DM with the bot."""
        await ack()
        user, channel = body["user_id"], body.get("channel_id")
        person = await self._lookups.person(user)
        replies = [UNKNOWN_PERSON]
        if person is not None:
            event = inbound.command_event(body, person)
            channel = inbound.answer_channel(event, user, channel)
            # The desk's help names its chat commands; on Slack everything is under /ticket.
            replies = [HELP] if event.name == "help" else await self._handle(event)
        await self._answerer.answer(
            replies, user=user, channel=channel, trigger_id=body.get("trigger_id")
        )

    async def on_shortcut(self, ack: AsyncAck, body: Body) -> None:
        """The message shortcut: the raise form, prefilled with the message and a link to it."""
        await ack()
        user, channel = body["user"]["id"], body.get("channel", {}).get("id")
        person = await self._lookups.person(user)
        replies = [UNKNOWN_PERSON]
        if person is not None:
            link = await self._client.chat_getPermalink(
                channel=channel, message_ts=body["message"]["ts"]
            )
            replies = await self._handle(inbound.shortcut_event(body, person, link["permalink"]))
        await self._answerer.answer(
            replies, user=user, channel=channel, trigger_id=body.get("trigger_id")
        )

    async def on_action(self, ack: AsyncAck, body: Body) -> None:
        """A button press, or a form input whose choice updates its modal in place."""
        await ack()
        user = body["user"]["id"]
        person = await self._lookups.person(user)
        channel = body.get("channel", {}).get("id")
        if person is None:
            await self._answerer.answer([UNKNOWN_PERSON], user=user, channel=channel)
            return
        replies = await self._handle(inbound.action_event(body, person))
        if inbound.is_view_action(body):
            await self._update_modal(body["view"], replies)
            return
        thread = body.get("message", {}).get("thread_ts")
        await self._answerer.answer(
            replies, user=user, channel=channel, trigger_id=body.get("trigger_id"), thread_ts=thread
        )

    async def on_submission(self, ack: AsyncAck, body: Body) -> None:
        """A submitted form: what can be refused without the database is refused in the
        acknowledgement, input by input; the ticket is raised after it."""
        user = body["user"]["id"]
        person = await self._lookups.person(user)
        if person is None:
            await ack(
                response_action="errors",
                errors={_first_block_id(body["view"]): UNKNOWN_PERSON.text},
            )
            return
        event = inbound.submission_event(body, person)
        checked = form_errors(event) if event.name == FORM else ()
        errors = {error.input: error.message for error in checked}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        replies = await self._handle(event)
        channel = event.place.conversation
        if not inbound.is_direct_conversation(channel):
            await self._answerer.answer(replies, user=user, channel=channel)
            return
        # Opened from the DM with the bot (or where no channel is known): the outbox's DM
        # tells of the raise there already; only a refusal needs saying.
        refusals = [reply for reply in replies if reply.problem]
        await self._answerer.answer(refusals, user=user, channel=user)

    async def on_message(self, body: Body) -> None:
        """A reply in a ticket's card or DM thread is a comment; a DM to the bot is free text."""
        event = body["event"]
        if not inbound.is_person_message(event):
            return
        root = inbound.thread_root(event)
        ticket = await self._lookups.ticket(event["channel"], root) if root else None
        if ticket is None and not inbound.is_direct(event):
            return
        person = await self._lookups.person(event.get("user"))
        replies = [UNKNOWN_PERSON]
        if person is not None:
            replies = await self._handle(inbound.message_event(body, person, ticket))
        await self._answerer.answer(
            replies, user=event["user"], channel=event["channel"], thread_ts=root
        )

    async def on_home(self, body: Body) -> None:
        """The App Home tab: the person's tickets, approvals and team queue."""
        user = body["event"]["user"]
        person = await self._lookups.person(user)
        replies = [UNKNOWN_PERSON]
        if person is not None:
            replies = await self._handle(inbound.home_event(person))
        await self._client.views_publish(user_id=user, view=home_view(replies))

    async def _handle(self, event: InboundEvent) -> list[Reply]:
        replies = await asyncio.to_thread(self._router.handle, event)
        self._kicker.kick()
        return replies

    async def _update_modal(self, view: Body, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.form is not None:
                await self._client.views_update(
                    view_id=view["id"],
                    hash=view.get("hash"),
                    view=modal_view(reply.form, view.get("private_metadata", "")),
                )


def routes(listeners: Listeners) -> tuple[tuple[str, Any, Listener], ...]:
    """The table: bolt's registrar (`command`, `event`, …), what it matches, the listener."""
    return (
        ("command", "/ticket", listeners.on_command),
        ("shortcut", inbound.SHORTCUT, listeners.on_shortcut),
        ("action", re.compile(".+"), listeners.on_action),
        ("view", FORM, listeners.on_submission),
        ("view", REASON_FORM, listeners.on_submission),
        ("event", "message", listeners.on_message),
        ("event", "app_home_opened", listeners.on_home),
    )


def register(app: AsyncApp, listeners: Listeners) -> None:
    """Register every listener of the table on `app`."""
    for registrar, matcher, listener in routes(listeners):
        getattr(app, registrar)(matcher)(listener)


def _first_block_id(view: Body) -> str:
    blocks = [block.get("block_id", "") for block in view.get("blocks", [])]
    return next((block for block in blocks if block), "title")
