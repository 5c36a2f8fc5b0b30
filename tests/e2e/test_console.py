"""The console platform end to end: the real `deskbot` command, scripted on stdin."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from storage.enums import TicketStatus
from storage.models import AuditEvent, Ticket

ROOT = Path(__file__).resolve().parents[2]
DESKBOT = Path(sys.executable).parent / "deskbot"
TIMEOUT = 60

RAISE_AND_RESOLVE = [
    "/new",
    "1",  # [1] Incident
    "6",  # [6] VPN
    "VPN drops every hour",
    "It disconnects on the hour",
    "1",  # impact [1] High
    "2",  # urgency [2] Medium
    "1",  # [1] Raise it
    "/as bob",
    "1",  # the card in #network: [1] Acknowledge
    "2",  # the updated card: [2] Resolve
    "/quit",
]


def demo_config() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def write_config(directory: Path, config: dict[str, Any]) -> Path:
    path = directory / "deskbot.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.db'}"


@pytest.fixture
def config_file(tmp_path: Path, sqlite_url: str) -> Path:
    """The demo config with its database moved into the test's directory."""
    config = demo_config()
    config["database"]["url"] = sqlite_url
    return write_config(tmp_path, config)


def deskbot(
    cwd: Path, *args: str, script: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `deskbot` command with `script` as its input lines."""
    environment = {**os.environ, "DESKBOT_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [str(DESKBOT), *args],
        input="".join(f"{line}\n" for line in script or []),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=cwd,
        env=environment,
        check=False,
    )


def run_console(config_file: Path, script: list[str]) -> subprocess.CompletedProcess[str]:
    return deskbot(
        config_file.parent,
        "run",
        "--config",
        str(config_file),
        "--platform",
        "console",
        script=script,
    )


def stored(sqlite_url: str) -> tuple[str | None, TicketStatus, list[str]]:
    """The only ticket's reference and status, and the actions of its audit events."""
    engine = create_engine(sqlite_url)
    try:
        with Session(engine) as session:
            ticket = session.scalars(select(Ticket)).one()
            actions = session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.ticket_id == ticket.id)
                .order_by(AuditEvent.id)
            ).all()
            return ticket.reference, ticket.status, list(actions)
    finally:
        engine.dispose()


def test_a_scripted_console_session_raises_acknowledges_and_resolves(
    config_file: Path, sqlite_url: str
) -> None:
    session = run_console(config_file, RAISE_AND_RESOLVE)
    transcript = session.stdout

    assert session.returncode == 0, session.stderr
    assert "You are Alice Martin (alice)" in transcript
    assert "[1] Incident   [2] Service request   [3] Access request" in transcript
    assert "[6] VPN" in transcript
    assert "Raised INC-1. Network team has it" in transcript
    assert "── #network · new card INC-1 (message INC-1@network) ──" in transcript
    assert "    [1] Acknowledge   [2] Take" in transcript
    assert "── direct message to alice ──" in transcript
    assert "Your incident INC-1 was raised with priority P2." in transcript
    assert "bob> 1\nINC-1 · P2 · VPN drops every hour\nINC-1 is now acknowledged." in transcript
    assert "── #network · card updated INC-1 (message INC-1@network) ──" in transcript
    assert "    [1] Start work   [2] Resolve   [3] Take" in transcript
    assert "bob> 2\nINC-1 · P2 · VPN drops every hour\nINC-1 is now resolved." in transcript
    assert "    Bob Okafor resolved INC-1 (now resolved)." in transcript
    assert transcript.count("── direct message to alice ──") == 3
    assert "Traceback" not in session.stderr
    assert "Something went wrong" not in transcript
    assert transcript.rstrip().endswith("bob> /quit")

    assert stored(sqlite_url) == (
        "INC-1",
        TicketStatus.RESOLVED,
        ["raised", "acknowledge", "resolve"],
    )


def test_the_ticket_and_its_history_survive_a_restart(config_file: Path, sqlite_url: str) -> None:
    first = run_console(config_file, RAISE_AND_RESOLVE)
    assert first.returncode == 0, first.stderr

    second = run_console(config_file, ["/as alice", "/ticket INC-1", "/quit"])
    transcript = second.stdout

    assert second.returncode == 0, second.stderr
    assert "You are now Alice Martin (alice)." in transcript
    assert "alice> /ticket INC-1\nINC-1 · P2 · VPN drops every hour\n" in transcript
    assert "  Status:         resolved" in transcript
    assert "  Assignee:       Bob Okafor" in transcript
    assert " Alice Martin: raised -> new\n" in transcript
    assert " Bob Okafor: acknowledge -> acknowledged\n" in transcript
    assert " Bob Okafor: resolve -> resolved\n" in transcript
    assert "[1] Reopen   [2] Close" in transcript
    assert "new card" not in transcript
    assert "direct message" not in transcript
    assert stored(sqlite_url)[1:] == (
        TicketStatus.RESOLVED,
        ["raised", "acknowledge", "resolve"],
    )


def _unknown_team(config: dict[str, Any]) -> None:
    config["services"][0]["team"] = "netwrk"


def _misspelt_section(config: dict[str, Any]) -> None:
    config["databse"] = config.pop("database")


def _bad_duration(config: dict[str, Any]) -> None:
    config["scheduler"]["outbox_interval"] = "soon"


def _no_people(config: dict[str, Any]) -> None:
    del config["people"]


@pytest.mark.parametrize(
    ("break_config", "key"),
    [
        (_unknown_team, "services[0].team: unknown team 'netwrk'"),
        (_misspelt_section, "databse: "),
        (_bad_duration, "scheduler.outbox_interval: "),
        (_no_people, "people: "),
    ],
)
def test_check_config_names_the_key_of_a_malformed_config(
    tmp_path: Path, break_config: Callable[[dict[str, Any]], None], key: str
) -> None:
    config = demo_config()
    break_config(config)
    path = write_config(tmp_path, config)

    checked = deskbot(tmp_path, "check-config", str(path))

    assert checked.returncode == 2
    assert checked.stdout == ""
    lines = checked.stderr.splitlines()
    assert len(lines) == 1, checked.stderr
    assert lines[0].startswith(f"deskbot: config error: {key}")


def test_check_config_accepts_the_demo_config(tmp_path: Path) -> None:
    checked = deskbot(tmp_path, "check-config", str(ROOT / "config.example.yaml"))

    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "Config OK: 7 people, 2 teams, 6 services.\n"


def test_run_without_a_config_starts_the_demo_and_quits(tmp_path: Path) -> None:
    session = deskbot(tmp_path, "run", script=["/help", "/quit"])

    assert session.returncode == 0, session.stderr
    assert "No --config given: running the demo desk" in session.stderr
    assert "You are Alice Martin (alice)" in session.stdout
    assert "/new [title]" in session.stdout
    assert session.stdout.rstrip().endswith("alice> /quit")
    assert (tmp_path / "deskbot.db").is_file()


def test_a_normal_change_approved_by_two_approvers_and_completed(
    config_file: Path, sqlite_url: str
) -> None:
    script = [
        "/as bob",
        "/change",
        "3",  # [3] Firewall rules
        "2",  # [2] Normal (Standard is [1])
        "Allow the backup subnet",
        "Skip",
        "2",  # risk [2] Medium
        "2026-12-01 20:00",
        "2026-12-01 21:00",
        "Remove the rule again",
        "1",  # [1] Raise it
        "/as carol",
        "2",  # carol's request: [2] Approve (the card's [1] Take comes first)
        "/as grace",
        "/ticket CHG-1",
        "1",  # [1] Approve
        "/as dave",
        "/ticket CHG-1",
        "1",  # [1] Schedule
        "1",  # [1] Implement
        "1",  # [1] Complete
        "/quit",
    ]

    session = run_console(config_file, script)
    transcript = session.stdout

    assert session.returncode == 0, session.stderr
    assert "── direct message to carol ──" in transcript
    assert "      Window:         2026-12-01 20:00 UTC to 2026-12-01 21:00 UTC" in transcript
    assert "carol> 2\nCHG-1 · P3 · Allow the backup subnet\nYour vote is counted" in transcript
    assert "grace> 1\nCHG-1 · P3 · Allow the backup subnet\nCHG-1 is now approved." in transcript
    assert transcript.count("CHG-1 was approved; Grace Hopper cast the deciding vote.") == 2
    assert "CHG-1 is now completed." in transcript
    assert stored(sqlite_url) == (
        "CHG-1",
        TicketStatus.COMPLETED,
        [
            "raised",
            "submit",
            "vote approve",
            "vote approve",
            "approve",
            "schedule",
            "implement",
            "complete",
        ],
    )


def test_an_access_request_approved_by_the_manager_then_the_owner_and_fulfilled(
    config_file: Path, sqlite_url: str
) -> None:
    script = [
        "/new ERP read access for the audit",
        "3",  # [3] Access request
        "1",  # [1] ERP access
        "For the year-end audit",
        "No end date",
        "3",  # impact [3] Low
        "3",  # urgency [3] Low
        "1",  # [1] Raise it
        "/as carol",
        "2",  # carol's request as the manager: [2] Approve
        "/as grace",
        "/ticket ACC-1",
        "1",  # [1] Approve, as the service owner
        "/as erin",
        "/ticket ACC-1",
        "1",  # [1] Start work
        "1",  # [1] Fulfil
        "/quit",
    ]

    session = run_console(config_file, script)
    transcript = session.stdout

    assert session.returncode == 0, session.stderr
    assert "    Carol Nguyen approved ACC-1 as the manager." in transcript
    assert "The manager approved ACC-1; it now awaits the service owner's approval." in transcript
    assert "Approval, service owner stage (1 of 1 approvals needed):" in transcript
    assert "    Grace Hopper approved ACC-1 as the service owner." in transcript
    assert "ACC-1 is now fulfilled." in transcript
    assert stored(sqlite_url) == (
        "ACC-1",
        TicketStatus.FULFILLED,
        [
            "raised",
            "submit",
            "vote approve",
            "approval stage",
            "vote approve",
            "approve",
            "start",
            "fulfil",
        ],
    )
