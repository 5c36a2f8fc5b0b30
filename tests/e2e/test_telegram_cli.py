"""`deskbot run --platform telegram` and `deskbot check-config` for Telegram, end to end."""

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.support.telegram_desk import NETWORK, PEOPLE, TOKEN, bot_api, bot_api_running
from tests.support.telegram_double import BotApiDouble, ChatSpec
from tests.support.telegram_updates import Updates

ROOT = Path(__file__).resolve().parents[2]
DESKBOT = Path(sys.executable).parent / "deskbot"


def write_config(directory: Path, api: BotApiDouble, token: str = TOKEN) -> Path:
    """The demo config with a Telegram section pointed at the running `api`, in a file."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "config.example.yaml").read_text())
    config["database"]["url"] = f"sqlite:///{directory / 'desk.db'}"
    config["telegram"] = {"token": token, "mode": "polling", "base_url": api.base_url}
    for person in config["people"]:
        person["telegram"] = PEOPLE[person["id"]].id
    path = directory / "deskbot.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def check_live(api: BotApiDouble, directory: Path, token: str = TOKEN) -> int:
    """`deskbot check-config --live`, run in a worker thread while the double answers here."""

    async def checked() -> int:
        async with bot_api_running(api):
            path = write_config(directory, api, token)
            return await asyncio.to_thread(main, ["check-config", str(path), "--live"])

    return asyncio.run(checked())


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_check_config_offline_says_it_did_not_ask_telegram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = bot_api()
    path = write_config(tmp_path, api)

    assert main(["check-config", str(path)]) == 0

    assert printed(capsys) == [
        "Config OK: 7 people, 2 teams, 6 services.",
        "ok      Telegram: not checked (offline). Run `deskbot check-config --live` to check "
        "that the token works and the bot can reach its groups.",
    ]
    assert api.calls == []


def test_check_config_live_reports_each_group_it_reaches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_live(bot_api(), tmp_path) == 0

    assert printed(capsys)[1:] == [
        "ok      Telegram: the token works; the bot is @deskbot_test_bot.",
        "ok      Team network: group 'Network team' (-1001000000001) is reachable; "
        "the bot is member there.",
        "ok      Team workplace: group 'Workplace IT' (-1001000000002) is a forum; "
        "the bot is an administrator that can manage topics.",
    ]


def test_check_config_live_names_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = bot_api()
    api.chats[str(NETWORK)] = ChatSpec("Network team", forum=True, bot_status="member")
    del api.chats["-1001000000002"]

    assert check_live(api, tmp_path) == 1

    problems = [line for line in printed(capsys) if line.startswith("PROBLEM")]
    assert problems == [
        "PROBLEM Team network: group 'Network team' (-1001000000001) is a forum, but the bot "
        "cannot open topics there: make it an administrator with the 'Manage topics' right.",
        "PROBLEM Team workplace: cannot reach group -1001000000002 (Chat not found). Add the "
        "bot to the group and check the id.",
    ]


def test_check_config_live_reports_a_refused_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_live(bot_api(), tmp_path, token="123456:not-the-token") == 1

    assert printed(capsys)[1].startswith("PROBLEM Telegram: the token was refused (")


def test_deskbot_run_serves_telegram_by_polling(tmp_path: Path) -> None:
    api, alice = bot_api(), PEOPLE["alice"]

    async def session() -> tuple[str, str]:
        async with bot_api_running(api):
            path = write_config(tmp_path, api)
            process = await asyncio.create_subprocess_exec(
                str(DESKBOT),
                "run",
                "--config",
                str(path),
                "--platform",
                "telegram",
                stderr=asyncio.subprocess.PIPE,
                cwd=tmp_path,
            )
            try:
                await api.wait_for("setMyCommands")
                await api.push_update(Updates(api).command(alice, "/start"))
                await api.wait_for("sendMessage", 1, str(alice.id))
            finally:
                process.terminate()
                _, errors = await process.communicate()
            return api.shown(str(alice.id))[0].text, errors.decode()

    greeting, errors = asyncio.run(session())

    assert greeting.startswith("Hello! I am the service desk. Raise and follow tickets right here.")
    assert "Traceback" not in errors


def test_running_telegram_without_its_config_section_names_the_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo = ROOT / "config.example.yaml"

    assert main(["run", "--config", str(demo), "--platform", "telegram"]) == 2

    assert capsys.readouterr().err == (
        "deskbot: config error: telegram: missing; --platform telegram needs telegram.token\n"
    )


def test_webhook_mode_without_a_secret_token_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, bot_api())
    config = yaml.safe_load(path.read_text())
    config["telegram"]["mode"] = "webhook"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")

    assert main(["run", "--config", str(path), "--platform", "telegram"]) == 2
    assert main(["check-config", str(path)]) == 1

    captured = capsys.readouterr()
    assert captured.err.startswith(
        "deskbot: config error: telegram.webhook.secret_token: required in webhook mode"
    )
    assert "PROBLEM telegram.webhook.secret_token: required in webhook mode." in captured.out
