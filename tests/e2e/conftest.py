"""Fixtures for the Slack end-to-end tests: the Web API double and the desk served on Slack
(HTTP mode unless a module overrides `slack_mode`)."""

from collections.abc import Iterator
from typing import Literal

import pytest

from bot.config import Config
from storage.database import Database
from tests.support.clock import ManualClock
from tests.support.slack_app import SlackDesk, slack_config
from tests.support.slack_double import SlackDouble


@pytest.fixture
def double() -> Iterator[SlackDouble]:
    """The recording Web API double, started on 127.0.0.1."""
    slack = SlackDouble()
    slack.start()
    yield slack
    slack.stop()


@pytest.fixture
def slack_mode() -> Literal["http", "socket"]:
    """The mode the desk is served in."""
    return "http"


@pytest.fixture
def served(
    database: Database,
    demo_config: Config,
    clock: ManualClock,
    double: SlackDouble,
    slack_mode: Literal["http", "socket"],
) -> Iterator[SlackDesk]:
    """The desk on the Slack platform, talking to the double."""
    desk = SlackDesk.start(slack_config(demo_config, double.base_url, slack_mode), database, clock)
    yield desk
    desk.stop()
