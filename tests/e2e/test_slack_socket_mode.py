"""Socket Mode end to end: the app asks the Web API double for its WebSocket URL, connects to
the double's WebSocket, acknowledges an envelope and answers through the Web API."""

from typing import Literal

import pytest

from tests.support.slack_app import SLACK_IDS, SlackDesk
from tests.support.slack_blocks import check_message
from tests.support.slack_double import SlackDouble


@pytest.fixture
def slack_mode() -> Literal["http", "socket"]:
    return "socket"


def test_a_slash_command_over_socket_mode_is_acknowledged_and_answered(
    served: SlackDesk, double: SlackDouble
) -> None:
    double.wait_for(double.connected, "the Socket Mode connection")
    opened = [call for call in double.calls if call.method == "apps.connections.open"]
    assert [call.token for call in opened] == ["xapp-test"]
    command = {
        "command": "/ticket",
        "text": "help",
        "user_id": SLACK_IDS["alice"],
        "channel_id": "C0GENERAL",
        "team_id": "T1",
        "trigger_id": "trigger-socket",
        "response_url": "http://127.0.0.1:9/unused",
    }

    double.push_envelope(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "payload": command,
            "accepts_response_payload": True,
        }
    )

    double.wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in double.socket_acks), "ack")
    answer = double.wait_for_calls("chat.postEphemeral", 1)[0]
    assert [c.token for c in double.calls if c.method == "chat.postEphemeral"] == ["xoxb-test"]
    assert answer["user"] == SLACK_IDS["alice"]
    assert check_message(answer["blocks"])[0] == "*Deskbot: what you can do*"
