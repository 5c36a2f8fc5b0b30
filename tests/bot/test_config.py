"""Configuration: the demo loads, and every mistake fails with one line that names its key."""

import copy
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Config, ConfigError, TelegramConfig, load_config, parse_config
from bot.durations import parse_duration
from storage.enums import Level, Priority, Role

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = ROOT / "config.example.yaml"
DURATION_FORM = "write a positive number and a unit: 30s, 15m, 4h, 2d"

Raw = dict[str, Any]


@pytest.fixture(scope="module")
def demo_raw() -> Raw:
    """The demo config as plain YAML data, before validation."""
    raw = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


def edited(raw: Raw, edit: Callable[[Raw], object]) -> Raw:
    """A deep copy of `raw` with `edit` applied to it."""
    copied = copy.deepcopy(raw)
    edit(copied)
    return copied


def error_of(raw: Raw) -> str:
    """The one-line message parse_config raises for `raw`."""
    with pytest.raises(ConfigError) as refused:
        parse_config(raw)
    return str(refused.value)


def test_demo_config_loads(demo_config: Config) -> None:
    assert demo_config.timezone == "Europe/Berlin"
    assert [person.id for person in demo_config.people] == [
        "alice", "bob", "dave", "erin", "frank", "carol", "grace",
    ]  # fmt: skip
    assert demo_config.people[0].roles == [Role.EMPLOYEE]
    assert demo_config.people[0].manager == "carol"
    assert {team.id: team.members for team in demo_config.teams} == {
        "network": ["bob", "dave"],
        "workplace": ["erin", "frank"],
    }
    assert demo_config.teams[0].channels == {"slack": "C0NETWORK", "telegram": "-1001000000001"}
    erp = demo_config.services[4]
    assert (erp.id, erp.team, erp.approvers) == ("erp-access", "workplace", ["carol", "grace"])
    assert demo_config.slack is None and demo_config.telegram is None
    assert demo_config.priority_matrix == {}


def test_demo_config_parses_durations_times_and_dates(demo_config: Config) -> None:
    targets = demo_config.sla_policies["standard"].targets
    assert targets[Priority.P1].response == timedelta(minutes=15)
    assert targets[Priority.P1].calendar is None
    assert demo_config.sla_policies["standard"].warn_at == [0.75, 0.9]
    assert targets[Priority.P5].resolution == timedelta(days=10)
    hours = demo_config.calendars["business-hours"]
    assert (hours.start, hours.end, hours.timezone) == (time(9), time(17), "Europe/Berlin")
    assert [str(day) for day in hours.holidays][:2] == ["2026-12-24", "2026-12-25"]
    levels = demo_config.escalation_policies["network-oncall"].levels
    assert [level.after for level in levels] == [
        timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1),
    ]  # fmt: skip
    assert demo_config.scheduler.sla_sweep_interval == timedelta(seconds=15)
    assert demo_config.scheduler.outbox_interval == timedelta(seconds=2)


def test_parse_config_of_the_demo_data_equals_load_config(
    demo_raw: Raw, demo_config: Config
) -> None:
    assert parse_config(demo_raw) == demo_config


def test_minimal_config_gets_the_documented_defaults() -> None:
    config = parse_config(
        {
            "people": [{"id": "ann", "name": "Ann"}],
            "teams": [{"id": "desk", "name": "Desk", "members": ["ann"]}],
            "services": [{"id": "mail", "name": "Mail", "team": "desk"}],
        }
    )

    assert config.database.url == "sqlite:///deskbot.db"
    assert config.timezone == "UTC"
    assert config.people[0].roles == [Role.EMPLOYEE]
    assert config.scheduler.sla_sweep_interval == timedelta(seconds=15)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda raw: raw.update(timezon="UTC"),
            "timezon: Extra inputs are not permitted",
            id="typo-top-level",
        ),
        pytest.param(
            lambda raw: raw["people"][2].update(rolez=["responder"]),
            "people[2].rolez: Extra inputs are not permitted",
            id="typo-in-a-list-item",
        ),
        pytest.param(
            lambda raw: raw["calendars"]["business-hours"].update(workdays=["mon"]),
            "calendars.business-hours.workdays: Extra inputs are not permitted",
            id="typo-in-a-named-section",
        ),
        pytest.param(
            lambda raw: raw["scheduler"].update(sweep="15s"),
            "scheduler.sweep: Extra inputs are not permitted",
            id="typo-nested",
        ),
        pytest.param(
            lambda raw: raw["services"][1].update(team="x"),
            "services[1].team: unknown team 'x'",
            id="unknown-team",
        ),
        pytest.param(
            lambda raw: raw["services"][0].update(sla_policy="gold"),
            "services[0].sla_policy: unknown SLA policy 'gold'",
            id="unknown-sla-policy",
        ),
        pytest.param(
            lambda raw: raw["services"][2].update(escalation_policy="nobody"),
            "services[2].escalation_policy: unknown escalation policy 'nobody'",
            id="unknown-escalation-policy",
        ),
        pytest.param(
            lambda raw: raw["services"][4]["approvers"].append("mallory"),
            "services[4].approvers: unknown person 'mallory'",
            id="unknown-approver",
        ),
        pytest.param(
            lambda raw: raw["teams"][1]["members"].append("zed"),
            "teams[1].members: unknown person 'zed'",
            id="unknown-member",
        ),
        pytest.param(
            lambda raw: raw["people"][0].update(manager="zed"),
            "people[0].manager: unknown person 'zed'",
            id="unknown-manager",
        ),
        pytest.param(
            lambda raw: raw["sla_policies"]["standard"].update(calendar="lunar"),
            "sla_policies.standard.calendar: unknown calendar 'lunar'",
            id="unknown-calendar",
        ),
        pytest.param(
            lambda raw: raw["people"].append({"id": "bob", "name": "Another Bob"}),
            "people[7].id: 'bob' is used twice",
            id="duplicate-person",
        ),
        pytest.param(
            lambda raw: raw["teams"].append({"id": "network", "name": "Net", "members": []}),
            "teams[2].id: 'network' is used twice",
            id="duplicate-team",
        ),
        pytest.param(
            lambda raw: raw["services"].append({"id": "vpn", "name": "VPN 2", "team": "network"}),
            "services[6].id: 'vpn' is used twice",
            id="duplicate-service",
        ),
        pytest.param(
            lambda raw: raw["people"][0].update(id="Alice"),
            "people[0].id: String should match pattern '^[a-z0-9][a-z0-9_.-]{0,63}$'",
            id="upper-case-key",
        ),
        pytest.param(
            lambda raw: raw["scheduler"].update(sla_sweep_interval="15x"),
            f"scheduler.sla_sweep_interval: Value error, '15x' is not a duration; {DURATION_FORM}",
            id="bad-duration",
        ),
        pytest.param(
            lambda raw: raw["sla_policies"]["standard"]["targets"]["P2"].update(response="0m"),
            "sla_policies.standard.targets.P2.response: "
            f"Value error, '0m' is not a duration; {DURATION_FORM}",
            id="zero-duration",
        ),
        pytest.param(
            lambda raw: raw["escalation_policies"]["network-oncall"]["levels"][1].update(after=30),
            "escalation_policies.network-oncall.levels[1].after: "
            f"Value error, '30' is not a duration; {DURATION_FORM}",
            id="duration-without-unit",
        ),
        pytest.param(
            lambda raw: raw.update(timezone="Mars/Olympus_Mons"),
            "timezone: Value error, unknown time zone 'Mars/Olympus_Mons'",
            id="bad-time-zone",
        ),
        pytest.param(
            lambda raw: raw["calendars"]["business-hours"].update(timezone="Europe/Atlantis"),
            "calendars.business-hours.timezone: Value error, unknown time zone 'Europe/Atlantis'",
            id="bad-calendar-time-zone",
        ),
        pytest.param(
            lambda raw: raw["calendars"]["business-hours"].update(end="08:00"),
            "calendars.business-hours.end: must be later than start (00:00 is midnight)",
            id="calendar-end-before-start",
        ),
        pytest.param(
            lambda raw: raw["calendars"]["business-hours"].update(start="17:00"),
            "calendars.business-hours.end: must be later than start (00:00 is midnight)",
            id="calendar-empty-day",
        ),
        pytest.param(
            lambda raw: raw["calendars"]["business-hours"].update(working_days=["monday"]),
            "calendars.business-hours.working_days[0]: "
            "Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'",
            id="bad-weekday",
        ),
        pytest.param(
            lambda raw: raw.update(telegram={"token": "t", "webhook": {"secret_token": "a b!"}}),
            "telegram.webhook.secret_token: String should match pattern '^[A-Za-z0-9_-]{1,256}$'",
            id="telegram-secret-token",
        ),
        pytest.param(
            lambda raw: raw.update(slack={"bot_token": "xoxb-1", "mode": "websocket"}),
            "slack.mode: Input should be 'http' or 'socket'",
            id="slack-mode",
        ),
        pytest.param(
            lambda raw: raw.update(slack={"bot_token": "x", "http": {"port": 70000}}),
            "slack.http.port: Input should be less than or equal to 65535",
            id="slack-port",
        ),
        pytest.param(
            lambda raw: raw.update(telegram={"mode": "polling"}),
            "telegram.token: Field required",
            id="telegram-without-token",
        ),
        pytest.param(
            lambda raw: raw.update(telegram={"token": "t", "self_registration": "maybe"}),
            "telegram.self_registration: "
            "Input should be a valid boolean, unable to interpret input",
            id="telegram-self-registration",
        ),
        pytest.param(
            lambda raw: raw.update(priority_matrix={"high": {"low": "P9"}}),
            "priority_matrix.high.low: Input should be 'P1', 'P2', 'P3', 'P4' or 'P5'",
            id="priority-matrix-cell",
        ),
        pytest.param(
            lambda raw: raw.update(people=[]),
            "people: List should have at least 1 item after validation, not 0",
            id="no-people",
        ),
        pytest.param(
            lambda raw: raw.pop("services"),
            "services: Field required",
            id="no-services",
        ),
        pytest.param(
            lambda raw: raw["escalation_policies"]["network-oncall"]["levels"][0].update(
                notify=["pager:network"]
            ),
            "escalation_policies.network-oncall.levels[0].notify[0]: "
            "String should match pattern '^(team|person|oncall):[a-z0-9_.-]+$'",
            id="escalation-target",
        ),
    ],
)
def test_error_is_one_line_naming_the_key(
    demo_raw: Raw, edit: Callable[[Raw], object], message: str
) -> None:
    assert error_of(edited(demo_raw, edit)) == message


def test_missing_environment_variable_names_the_key_and_the_variable(
    demo_raw: Raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESKBOT_TEST_DB_PASSWORD", raising=False)
    raw = edited(
        demo_raw,
        lambda raw: raw.update(database={"url": "postgresql://desk:${DESKBOT_TEST_DB_PASSWORD}@db/desk"}),
    )  # fmt: skip

    assert error_of(raw) == "database.url: environment variable DESKBOT_TEST_DB_PASSWORD is not set"


def test_missing_environment_variable_in_a_list_names_the_index(
    demo_raw: Raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESKBOT_TEST_SLACK_ID", raising=False)
    raw = edited(demo_raw, lambda raw: raw["people"][3].update(slack="${DESKBOT_TEST_SLACK_ID}"))

    assert error_of(raw) == "people[3].slack: environment variable DESKBOT_TEST_SLACK_ID is not set"


def test_environment_variables_are_expanded(demo_raw: Raw, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKBOT_TEST_TOKEN", "123:abc")
    monkeypatch.setenv("DESKBOT_TEST_SECRET", "s3cr3t_token-1")
    monkeypatch.setenv("DESKBOT_TEST_PORT", "8444")
    monkeypatch.setenv("DESKBOT_TEST_HOST", "db.internal")
    telegram = {
        "token": "${DESKBOT_TEST_TOKEN}",
        "mode": "webhook",
        "webhook": {"port": "${DESKBOT_TEST_PORT}", "secret_token": "${DESKBOT_TEST_SECRET}"},
    }
    raw = edited(demo_raw, lambda raw: raw.update(telegram=telegram))
    raw["database"] = {"url": "postgresql://desk@${DESKBOT_TEST_HOST}:5432/${DESKBOT_TEST_HOST}"}

    config = parse_config(raw)

    assert config.telegram is not None
    assert config.telegram.token == "123:abc"
    assert config.telegram.webhook.secret_token == "s3cr3t_token-1"
    assert config.telegram.webhook.port == 8444
    assert config.database.url == "postgresql://desk@db.internal:5432/db.internal"


def test_expanded_value_is_validated_too(demo_raw: Raw, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKBOT_TEST_SECRET", "not allowed!")
    telegram = {"token": "t", "webhook": {"secret_token": "${DESKBOT_TEST_SECRET}"}}

    assert error_of(edited(demo_raw, lambda raw: raw.update(telegram=telegram))) == (
        "telegram.webhook.secret_token: String should match pattern '^[A-Za-z0-9_-]{1,256}$'"
    )


def test_telegram_self_registration_is_off_unless_turned_on(demo_raw: Raw) -> None:
    def telegram(**extra: object) -> TelegramConfig | None:
        return parse_config(
            edited(demo_raw, lambda raw: raw.update(telegram={"token": "t", **extra}))
        ).telegram

    assert telegram() == TelegramConfig(token="t", self_registration=False)
    assert telegram(self_registration=True) == TelegramConfig(token="t", self_registration=True)


def test_priority_matrix_override_is_read(demo_raw: Raw) -> None:
    config = parse_config(
        edited(demo_raw, lambda raw: raw.update(priority_matrix={"high": {"low": "P2"}}))
    )

    assert config.priority_matrix == {Level.HIGH: {Level.LOW: Priority.P2}}


def test_load_config_reads_a_file(tmp_path: Path, demo_config: Config) -> None:
    path = tmp_path / "deskbot.yaml"
    path.write_text(DEMO_FILE.read_text(encoding="utf-8"), encoding="utf-8")

    assert load_config(path) == demo_config


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- alice\n- bob\n", "expected a mapping of keys at the top level"),
        ("just a sentence\n", "expected a mapping of keys at the top level"),
        ("", "expected a mapping of keys at the top level"),
        ("people: [alice\n", "not valid YAML (while parsing a flow sequence)"),
        ("people:\n  - id: a\n - id: b\n", "not valid YAML (while parsing a block mapping)"),
    ],
    ids=["list", "scalar", "empty", "unclosed-bracket", "bad-indent"],
)
def test_load_config_refuses_a_file_that_is_not_a_mapping(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "deskbot.yaml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ConfigError) as refused:
        load_config(path)

    assert str(refused.value) == f"{path}: {problem}"


def test_load_config_names_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"

    with pytest.raises(ConfigError) as refused:
        load_config(path)

    assert str(refused.value) == f"{path}: cannot read it (No such file or directory)"


def test_load_config_errors_name_the_key_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deskbot.yaml"
    text = DEMO_FILE.read_text(encoding="utf-8").replace("team: workplace,", "team: wrkplace,")
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as refused:
        load_config(path)

    assert str(refused.value) == "services[2].team: unknown team 'wrkplace'"


def test_load_config_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "deskbot.yaml"
    path.write_bytes("timezone: Europe/Zürich\n".encode("latin-1"))

    with pytest.raises(ConfigError) as refused:
        load_config(path)

    assert str(refused.value).startswith(f"{path}: ")


def test_huge_duration_is_a_config_error_naming_the_key(demo_raw: Raw) -> None:
    raw = edited(demo_raw, lambda raw: raw["scheduler"].update(sla_sweep_interval="99999999999d"))

    assert error_of(raw).startswith("scheduler.sla_sweep_interval: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("90m", timedelta(hours=1, minutes=30)),
        (" 1h ", timedelta(hours=1)),
        ("15 m", timedelta(minutes=15)),
        ("007s", timedelta(seconds=7)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_parse_duration_passes_a_timedelta_through() -> None:
    assert parse_duration(timedelta(minutes=3)) == timedelta(minutes=3)


@pytest.mark.parametrize(
    "value",
    ["", "15", "15x", "0s", "0d", "-5m", "1.5h", "15M", "h", "1h30m", "5 minutes", 30, None],
)
def test_parse_duration_refuses_with_the_accepted_form(value: object) -> None:
    with pytest.raises(ValueError) as refused:
        parse_duration(value)

    assert str(refused.value) == f"'{value}' is not a duration; {DURATION_FORM}"


def test_a_member_listed_twice_is_named(demo_raw: Raw) -> None:
    raw = edited(demo_raw, lambda raw: raw["teams"][0]["members"].append("bob"))

    assert error_of(raw) == "teams[0].members: 'bob' is listed twice"


def test_an_approver_listed_twice_is_named(demo_raw: Raw) -> None:
    raw = edited(demo_raw, lambda raw: raw["services"][4]["approvers"].append("carol"))

    assert error_of(raw) == "services[4].approvers: 'carol' is listed twice"


def test_one_chat_account_for_two_people_is_named(demo_raw: Raw) -> None:
    def same_slack_id(raw: Raw) -> None:
        raw["people"][0]["slack"] = "U0SHARED"
        raw["people"][2]["slack"] = "U0SHARED"

    assert (
        error_of(edited(demo_raw, same_slack_id)) == "people[2].slack: 'U0SHARED' is listed twice"
    )
