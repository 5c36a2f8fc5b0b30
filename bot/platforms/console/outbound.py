"""Neutral replies -> terminal text, numbering buttons so they can be pressed by number."""

from pathlib import Path
from typing import TextIO

from bot.digest_rendering import console_digest
from bot.platforms.base import Delivery
from bot.rendering import template_environment
from handlers.events import Button, Reply
from storage.enums import AudienceKind, IntentKind
from workflows.digest import DigestFigures
from workflows.views import PersonSummary

INDENT = "    "


class ConsoleScreen:
    """Writes replies and deliveries to the terminal; remembers which number is which button."""

    def __init__(self, output: TextIO) -> None:
        self._output = output
        self._templates = template_environment(autoescape=False)
        self.buttons: dict[int, Button] = {}
        self._fresh = False

    def next_screen(self) -> None:
        """Start numbering buttons from 1 again at the next buttons shown (after an input)."""
        self._fresh = True

    def show(self, reply: Reply, heading: str = "") -> None:
        """Print a reply, under a heading when it was posted somewhere other than to you."""
        numbered = [(self._number(button), button) for button in reply.buttons]
        body = self._templates.get_template("console/reply.txt.j2").render(
            reply=reply, buttons=numbered
        )
        if heading:
            self.write(f"── {heading} ──")
            body = "\n".join(INDENT + line if line else line for line in body.splitlines())
        self.write(body.rstrip("\n"))

    def show_delivery(self, delivery: Delivery, message_id: str) -> None:
        """Print a notification as it would appear in a channel or a direct message."""
        ticket = delivery.reply.ticket or ""
        if delivery.audience == AudienceKind.PERSON:
            heading = f"direct message to {delivery.address}"
        elif delivery.kind == IntentKind.CARD:
            verb = "card updated" if delivery.thread_root else "new card"
            heading = f"#{delivery.address} · {verb} {ticket} (message {message_id})"
        else:
            heading = f"#{delivery.address} · thread of {ticket}"
        self.show(delivery.reply, heading)

    def show_digest(self, delivery: Delivery, figures: DigestFigures, chart: Path | None) -> None:
        """Print a digest as its recipient would get it, and where its chart was written."""
        if delivery.audience == AudienceKind.PERSON:
            heading = f"direct message to {delivery.address}"
        else:
            heading = f"#{delivery.address}"
        self.write(f"── {heading} · digest ──")
        self.write(console_digest(figures).rstrip("\n"))
        if chart is not None:
            self.write(f"Chart: {chart}")

    def show_people(self, people: list[PersonSummary]) -> None:
        """List whom one can act as."""
        self.write(self._templates.get_template("console/people.txt.j2").render(people=people))

    def write_prompt(self, prompt: str) -> None:
        """Print a prompt without ending the line."""
        self._output.write(prompt)
        self._output.flush()

    def write(self, text: str) -> None:
        """Print a line of text."""
        self._output.write(text + "\n")
        self._output.flush()

    def _number(self, button: Button) -> int:
        if self._fresh:
            self.buttons.clear()
            self._fresh = False
        number = len(self.buttons) + 1
        self.buttons[number] = button
        return number
