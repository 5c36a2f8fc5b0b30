"""Logging: plain or JSON lines on standard error, with secrets masked in every record.

`DESKBOT_LOG_FORMAT=json` writes one JSON object per record (time, level, logger, message,
and the exception when there is one) for log collectors; `DESKBOT_LOG_LEVEL` sets the level.
Whatever the format, a handler-level filter replaces the config's secrets (tokens, signing
secrets, database passwords) and anything shaped like a Slack or Telegram token with `***`,
so an SDK error that quotes a request URL cannot leak a token into the log.
"""

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

MASK = "***"
TOKEN_SHAPES = re.compile(
    r"xox[abpers]-[A-Za-z0-9-]+"  # Slack bot / user tokens
    r"|xapp-[A-Za-z0-9-]+"  # Slack app-level tokens
    r"|\b\d{5,}:[A-Za-z0-9_-]{30,}"  # Telegram bot tokens
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON, its message already interpolated."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class SecretMask(logging.Filter):
    """Masks known secrets and token-shaped strings in a record's message and exception."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def add(self, secrets: Iterable[str | None]) -> None:
        """Mask these values from now on (empty and very short values are ignored)."""
        known = set(self._secrets) | {s for s in secrets if s and len(s) >= 6}
        self._secrets = tuple(sorted(known, key=len, reverse=True))

    def mask(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return TOKEN_SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str, json_lines: bool) -> None:
    """Send logs to standard error at `level`, masked, as plain or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    mask = SecretMask()
    handler.addFilter(mask)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def mask_secrets(secrets: Iterable[str | None]) -> None:
    """Teach every masking handler of the root logger these secret values."""
    for handler in logging.getLogger().handlers:
        for log_filter in handler.filters:
            if isinstance(log_filter, SecretMask):
                log_filter.add(secrets)
