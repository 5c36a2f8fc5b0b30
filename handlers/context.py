"""What every handler is given: the database, the clock and the desk's settings."""

from dataclasses import dataclass

from storage.database import Database
from workflows.clock import Clock
from workflows.settings import DeskSettings


@dataclass(frozen=True)
class HandlerContext:
    """Shared services for handlers; built once by the bot's composition root."""

    db: Database
    clock: Clock
    settings: DeskSettings
