"""Logs never carry tokens or secrets, in plain or JSON lines; the Slack client logs at the
desk's level."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.config import Config, config_secrets, parse_config
from bot.logs import configure_logging, mask_secrets
from bot.platforms.slack.app import CLIENT_LOGGER_PARENT, client_logger

DEMO_FILE = Path(__file__).resolve().parents[2] / "config.example.yaml"
SLACK_TOKEN = "xoxb-1234567890-abcdefghijkl"
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SIGNING_SECRET = "plainly-not-token-shaped"
DB_PASSWORD = "hunter2-db-password"


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def config_with_secrets() -> Config:
    raw = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    raw["database"]["url"] = f"postgresql+psycopg://desk:{DB_PASSWORD}@127.0.0.1/desk"
    raw["slack"] = {"bot_token": SLACK_TOKEN, "signing_secret": SIGNING_SECRET}
    raw["telegram"] = {"token": TELEGRAM_TOKEN}
    return parse_config(raw)


def log_everything(log: logging.Logger) -> None:
    log.warning("posting with %s failed", SLACK_TOKEN)
    log.warning("signature check with %s, database password %s", SIGNING_SECRET, DB_PASSWORD)
    try:
        raise ConnectionError(f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/sendMessage: 500")
    except ConnectionError:
        log.exception("delivery failed")


@pytest.mark.parametrize("json_lines", [False, True], ids=["text", "json"])
def test_secrets_from_the_config_and_token_shapes_are_masked(
    config_with_secrets: Config, capsys: pytest.CaptureFixture[str], json_lines: bool
) -> None:
    configure_logging("INFO", json_lines=json_lines)
    mask_secrets(config_secrets(config_with_secrets))

    log_everything(logging.getLogger("deskbot.test"))

    written = capsys.readouterr().err
    for secret in (SLACK_TOKEN, TELEGRAM_TOKEN, SIGNING_SECRET, DB_PASSWORD):
        assert secret not in written
    assert written.count("***") >= 4
    assert "delivery failed" in written and "ConnectionError" in written


def test_json_lines_are_one_object_per_record(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_lines=True)

    logging.getLogger("bot.dispatcher").warning("intent %s failed", 7)

    [line] = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "WARNING",
        "bot.dispatcher",
        "intent 7 failed",
    )


@pytest.mark.parametrize("level", ["WARNING", "DEBUG"])
def test_the_slack_client_logs_at_the_desks_level(level: str) -> None:
    configure_logging(level, json_lines=False)

    logger = client_logger()

    # slack-sdk writes each call out for a debug line when its logger's own level allows it.
    assert logger.level == logging.getLevelName(level)
    assert logger.name.startswith(CLIENT_LOGGER_PARENT)
