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


def view_state(values: dict[str, str]) -> dict[str, Any]:
    """A modal's state: text inputs typed, selects chosen."""
    state: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("title", "description"):
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
