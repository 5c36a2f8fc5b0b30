"""Help, the greeting, and the answer to anything the bot does not understand."""

from handlers.context import HandlerContext
from handlers.events import InboundEvent, Reply

HELP_TEXT = """\
/new [title]         raise an incident or a request (a short dialog)
/change [title]      raise a change: standard, normal or emergency (responders)
/mine                your open tickets
/ticket INC-12       one ticket, its history and what you can do with it
/comment INC-12 text add a comment to a ticket
/assign INC-12 dave  give a ticket to someone in its team
/priority INC-12 high low  set impact and urgency (the team only)
/problem INC-12 INC-14 title  raise a problem behind incidents (responders)
/link PRB-3 INC-12   link an incident to a problem (/unlink to undo)
/cancel              leave the dialog you are in
/help                this list
On a card, press Acknowledge, Take, Escalate, Resolve or Reopen to work the ticket;
a change's card offers Schedule, Implement, Complete and Mark failed."""


def show_help(_ctx: HandlerContext, _event: InboundEvent) -> list[Reply]:
    """List what one can do."""
    return [Reply(title="Deskbot: what you can do", text=HELP_TEXT, private=True)]


def greet(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Welcome someone and show the help."""
    welcome = Reply(text="Hello! I am the service desk. Raise and follow tickets right here.")
    return [welcome, *show_help(ctx, event)]


def unknown_command(ctx: HandlerContext, event: InboundEvent) -> list[Reply]:
    """Say the command is unknown and show what is known."""
    text = f"I do not know the command /{event.name[:40]}. Here is what I understand:"
    return [Reply(text=text, private=True, problem=True), *show_help(ctx, event)]


def unknown_button(_ctx: HandlerContext, _event: InboundEvent) -> list[Reply]:
    """A button press we did not make (stale or forged): change nothing, say so."""
    return [
        Reply(
            text="That button is not one I recognise, so nothing was changed. "
            "Use /ticket INC-12 to see a ticket's current buttons.",
            private=True,
            problem=True,
        )
    ]
