"""Slack interactivity payloads as Slack sends them, for tests and the benchmark."""

from typing import Any

GOOD_FORM = {
    "type": "incident",
    "service": "vpn",
    "title": "VPN drops every hour",
    "description": "It disconnects on the hour",
    "impact": "high",
    "urgency": "medium",
}

TEXT_INPUTS = frozenset({"title", "description", "until"})


def view_state(values: dict[str, str]) -> dict[str, Any]:
    """A modal's state: text inputs typed, selects chosen."""
    state: dict[str, Any] = {}
    for name, value in values.items():
        if name in TEXT_INPUTS:
            state[name] = {name: {"type": "plain_text_input", "value": value}}
        else:
            state[name] = {name: {"type": "static_select", "selected_option": {"value": value}}}
    return {"values": state}


def submission(user: str, values: dict[str, str], metadata: str = "") -> dict[str, Any]:
    """The raise form submitted by `user` with `values`."""
    return {
        "type": "view_submission",
        "user": {"id": user},
        "team": {"id": "T1"},
        "view": {
            "id": "V0FORM",
            "type": "modal",
            "callback_id": "raise",
            "private_metadata": metadata,
            "hash": "h1",
            "blocks": [{"type": "input", "block_id": name} for name in GOOD_FORM],
            "state": view_state(values),
        },
    }


def press(user: str, button: dict[str, Any], channel: str, ts: str) -> dict[str, Any]:
    """`user` pressing `button` (as rendered) on message `ts` in `channel`."""
    return {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "trigger_id": "trigger-press",
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "channel": {"id": channel},
        "message": {"ts": ts},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "value": button["value"],
                "block_id": "b",
            }
        ],
    }
