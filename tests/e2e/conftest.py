"""Fixtures for the end-to-end tests: a SQLite-only database, and the desk served on Slack
against the Web API double (HTTP mode unless a module overrides `slack_mode`)."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from bot.config import Config
from storage.database import Database
from tests.support.clock import ManualClock
from tests.support.slack_app import SlackDesk, slack_config
from tests.support.slack_double import SlackDouble


@pytest.fixture
def sqlite_database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty SQLite file, for end-to-end tests that need not run on both dialects."""
    copy = tmp_path / "deskbot-e2e.db"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite:///{copy}"


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
