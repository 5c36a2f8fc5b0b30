"""The boundary every platform adapter implements for outbound delivery."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from handlers.events import Reply
from storage.enums import AudienceKind, IntentKind
from workflows.digest import DigestFigures

if TYPE_CHECKING:
    from bot.app import Desk


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a delivery, such as a digest's chart."""

    filename: str
    content: bytes
    media_type: str = "image/png"


@dataclass(frozen=True)
class Delivery:
    """One notification, rendered neutrally, addressed on the adapter's platform.

    `thread_root` is the platform's id of the ticket's card (team) or DM thread (person) at
    `address`, when one was posted before: a card is then edited and a note goes in its thread.
    A digest (kind DIGEST) also carries its figures, for the platform's own digest rendering
    (bot/digest_rendering.py), and its chart as an attachment; `reply` holds its headline.
    """

    kind: IntentKind
    audience: AudienceKind
    address: str
    reply: Reply
    thread_root: str | None
    digest: DigestFigures | None = None
    attachment: Attachment | None = None


class DeliveryFailed(Exception):
    """The platform did not take the delivery; `retry_after` seconds if it said so."""

    def __init__(self, reason: str, retry_after: float | None = None, *, permanent: bool = False):
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent


class Sender(Protocol):
    """Delivers notifications on one platform."""

    name: str
    reaches_everyone: bool

    async def send(self, delivery: Delivery) -> str | None:
        """Deliver; return the id of a newly started card or thread, to edit or thread later."""
        ...


class Platform(Protocol):
    """One chat platform running in this process: its outbound sender and its inbound loop."""

    sender: Sender

    async def serve(self, desk: "Desk") -> None:
        """Receive from the platform until stopped (cancelled) or, for the console, until /quit."""
        ...
