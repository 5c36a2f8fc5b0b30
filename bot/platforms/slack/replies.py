"""Answers to the person who acted: forms open as modals, the rest ephemerally where they
acted, or as a plain message in their DM with the bot (a DM channel, or their user id, which
Slack takes as that DM), which only they see."""

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.inbound import form_metadata, is_direct_conversation
from bot.platforms.slack.outbound import message, modal_view
from handlers.events import Reply

log = logging.getLogger(__name__)

UNKNOWN_PERSON = Reply(
    text="I do not know you yet: please ask your admins to add your Slack account to the "
    "desk's directory.",
    private=True,
    problem=True,
)

HELP = Reply(
    title="Deskbot: what you can do",
    text="""\
`/ticket` raise a ticket (a form); `/ticket VPN is down` fills in the title
`/ticket change Open port 443` raise a change (responders); I ask the rest in our DM
`/ticket mine` your open tickets
`/ticket INC-12` one ticket, its history and the buttons you may press
`/ticket cancel` leave a question you are being asked
`/ticket help` this list
Message menu → *Raise ticket from this message*: a ticket about that message
Reply in a ticket's thread (its card, or your DM about it) to add a comment.
Your App Home lists your tickets, what awaits your approval and your team's queue.""",
    private=True,
)


class Answerer:
    """Sends replies to one Slack user on the bot's client."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def answer(
        self,
        replies: list[Reply],
        *,
        user: str,
        channel: str | None,
        trigger_id: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Open each form (needs a fresh `trigger_id`) and post each other reply."""
        for reply in replies:
            if reply.form is not None and trigger_id is not None:
                view = modal_view(reply.form, form_metadata(channel))
                await self._client.views_open(trigger_id=trigger_id, view=view)
            elif reply.form is None and channel is not None:
                await self._post(reply, user, channel, thread_ts)

    async def _post(self, reply: Reply, user: str, channel: str, thread_ts: str | None) -> None:
        rendered = message(reply, whole=True)
        if is_direct_conversation(channel):  # the DM with the bot: only they see it
            await self._client.chat_postMessage(
                channel=channel, text=rendered.text, blocks=rendered.blocks, thread_ts=thread_ts
            )
            return
        try:
            await self._client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=rendered.text,
                blocks=rendered.blocks,
                thread_ts=thread_ts,
            )
        except SlackApiError as error:
            # /ticket works in channels the bot is not in, where it cannot post: say it in
            # the DM with the bot instead.
            log.info("no ephemeral answer in %s (%s); answering in the DM", channel, error)
            await self._client.chat_postMessage(
                channel=user, text=rendered.text, blocks=rendered.blocks
            )
