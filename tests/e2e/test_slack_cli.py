"""`deskbot run --platform slack`: the real command, configured from YAML, serving signed
requests and posting through the Web API double; and the config errors that stop it."""

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_console import DESKBOT, demo_config, deskbot, write_config
from tests.support.slack_app import SECRET, SLACK_IDS, SlackClient, free_port, wait_for_port
from tests.support.slack_blocks import check_message
from tests.support.slack_double import WAIT_SECONDS, SlackDouble


def slack_yaml(tmp_path: Path, slack: dict[str, Any]) -> Path:
    config = demo_config()
    config["database"]["url"] = f"sqlite:///{tmp_path / 'desk.db'}"
    for person in config["people"]:
        if person["id"] in SLACK_IDS:
            person["slack"] = SLACK_IDS[person["id"]]
    config["slack"] = slack
    return write_config(tmp_path, config)


def test_deskbot_run_serves_slack_in_http_mode(tmp_path: Path, double: SlackDouble) -> None:
    port = free_port()
    slack = {
        "bot_token": "xoxb-cli",
        "signing_secret": "${TEST_SLACK_SECRET}",
        "mode": "http",
        "http": {"port": port, "path": "/slack/events"},
        "api_base_url": double.base_url,
    }
    config = slack_yaml(tmp_path, slack)
    environment = {**os.environ, "TEST_SLACK_SECRET": SECRET}
    command = [str(DESKBOT), "run", "--config", str(config), "--platform", "slack"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_port(port)
        assert SlackClient(port).command(SLACK_IDS["alice"], "help").status == 200
        answer = double.wait_for_calls("chat.postEphemeral", 1)[0]
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=WAIT_SECONDS)

    assert check_message(answer["blocks"])[0] == "*Deskbot: what you can do*"
    assert {call.token for call in double.calls} == {"xoxb-cli"}
    assert "Traceback" not in errors


@pytest.mark.parametrize(
    ("slack", "message"),
    [
        (None, "slack: the config has no slack section"),
        ({"bot_token": "xoxb-1", "mode": "http"}, "slack.signing_secret: needed in http mode"),
        ({"bot_token": "xoxb-1", "mode": "socket"}, "slack.app_token: needed in socket mode"),
    ],
)
def test_slack_without_what_its_mode_needs_is_a_config_error(
    tmp_path: Path, slack: dict[str, Any] | None, message: str
) -> None:
    config = slack_yaml(tmp_path, slack) if slack else write_config(tmp_path, demo_config())

    result = deskbot(tmp_path, "run", "--config", str(config), "--platform", "slack")

    assert result.returncode == 2
    assert f"deskbot: config error: {message}" in result.stderr
