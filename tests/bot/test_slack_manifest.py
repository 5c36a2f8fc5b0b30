"""The shipped Slack manifest asks for what the app listens to and needs, and nothing more."""

from pathlib import Path
from typing import Any

import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.listeners import Listeners, routes
from tests.support.chat import Chat

ROOT = Path(__file__).resolve().parents[2]


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "slack-app-manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def listened(chat: Chat, registrar: str) -> set[str]:
    desk = chat.desk
    listeners = Listeners(desk.router, desk.db, desk.dispatcher, AsyncWebClient(token="x"))
    return {matcher for kind, matcher, _ in routes(listeners) if kind == registrar}


def test_the_command_and_shortcut_declared_are_those_listened_to(chat: Chat) -> None:
    features = manifest()["features"]

    assert {command["command"] for command in features["slash_commands"]} == listened(
        chat, "command"
    )
    assert [(s["name"], s["type"]) for s in features["shortcuts"]] == [
        ("Raise ticket from this message", "message")
    ]
    assert {s["callback_id"] for s in features["shortcuts"]} == listened(chat, "shortcut")
    assert features["app_home"]["home_tab_enabled"] is True


def test_the_events_subscribed_are_the_events_listened_to(chat: Chat) -> None:
    declared = manifest()["settings"]["event_subscriptions"]["bot_events"]

    assert {event.split(".")[0] for event in declared} == listened(chat, "event")


def test_the_scopes_are_the_six_the_app_uses() -> None:
    assert manifest()["oauth_config"]["scopes"]["bot"] == [
        "commands",
        "chat:write",
        "channels:history",
        "groups:history",
        "im:history",
        "files:write",
    ]
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True
