"""Configuration: YAML with `${ENV_VAR}` expansion, validated by pydantic.

Every error names the key it is about (`services[2].team: unknown team 'netwrk'`), so a
malformed config fails with one line that says what to fix.
"""

import os
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from sqlalchemy.engine import make_url

from bot.durations import parse_duration
from storage.enums import Level, Priority, Role


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone '{value}'") from error
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
TimeZone = Annotated[str, AfterValidator(_check_zone)]
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """A config that cannot be used; the message is one line that names the key."""


class Model(BaseModel):
    """Strict base: unknown keys are errors, so a typo is caught and named."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(Model):
    """`database`: where state lives (SQLite file by default, PostgreSQL for replicas)."""

    url: str = "sqlite:///deskbot.db"


class SlackHttpConfig(Model):
    """`slack.http`: the HTTP server for Slack's events and interactivity."""

    port: int = Field(3000, ge=1, le=65535)
    path: str = "/slack/events"


class SlackConfig(Model):
    """`slack`: the Slack app's credentials and mode."""

    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    mode: Literal["http", "socket"] = "http"
    http: SlackHttpConfig = SlackHttpConfig()
    api_base_url: str | None = None


class TelegramWebhookConfig(Model):
    """`telegram.webhook`: where the webhook listens and the secret Telegram must send back."""

    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url_path: str = "/telegram"
    public_url: str | None = None
    secret_token: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,256}$")] | None = None


class TelegramConfig(Model):
    """`telegram`: the bot's token and mode, and whether strangers who write to it privately
    are added to the directory as employees (`self_registration`)."""

    token: str
    mode: Literal["polling", "webhook"] = "polling"
    webhook: TelegramWebhookConfig = TelegramWebhookConfig()
    base_url: str | None = None
    self_registration: bool = False


class PersonConfig(Model):
    """`people[]`: someone in the directory and their chat accounts."""

    id: Key
    name: str
    roles: list[Role] = [Role.EMPLOYEE]
    slack: str | None = None
    telegram: int | None = None
    manager: Key | None = None


class OncallConfig(Model):
    """`teams[].oncall`: members taking turns on call, each for `shift`, from `start`."""

    people: list[Key] = Field(min_length=1)
    start: datetime
    shift: Duration = timedelta(days=7)


class TeamConfig(Model):
    """`teams[]`: a responder team, its members, its channel on each platform, its on-call."""

    id: Key
    name: str
    members: list[Key]
    channels: dict[Literal["slack", "telegram"], str] = {}
    oncall: OncallConfig | None = None
    fallback_platform: Literal["slack", "telegram"] | None = None


class ApprovalConfig(Model):
    """`services[].approval`: how many of the approvers must approve, how many rejections
    reject (one by default), when pending approvers are reminded and when it expires."""

    rule: Literal["any", "all", "quorum"] = "any"
    quorum: Annotated[int, Field(ge=1)] = 1
    rejections: Annotated[int, Field(ge=1)] = 1
    remind_after: Duration | None = timedelta(days=1)
    expire_after: Duration | None = timedelta(days=7)


class FreezeWindowConfig(Model):
    """A change freeze: no normal or standard change may be planned to overlap it."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ends_after_start(self) -> "FreezeWindowConfig":
        if self.end <= self.start:
            raise ValueError("end must be later than start")
        return self


class ServiceConfig(Model):
    """`services[]`: a catalog entry tying a service to its team, SLA, escalation, approvers."""

    id: Key
    name: str
    team: Key
    sla_policy: Key | None = None
    escalation_policy: Key | None = None
    approvers: list[Key] = []
    approval: ApprovalConfig = ApprovalConfig()
    standard_changes: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
    freeze_windows: list[FreezeWindowConfig] = []


class SlaTargetConfig(Model):
    """Response and resolution targets for one priority."""

    response: Duration
    resolution: Duration
    calendar: Key | None = None


def _check_ladder(fractions: list[float]) -> list[float]:
    if any(not 0 < fraction < 1 for fraction in fractions):
        raise ValueError("each warning is a fraction of the target between 0 and 1, e.g. 0.75")
    if fractions != sorted(set(fractions)):
        raise ValueError("warnings must be listed in increasing order, each once")
    return fractions


class SlaPolicyConfig(Model):
    """`sla_policies.<id>`: targets per priority, on a business calendar, and when to warn."""

    calendar: Key | None = None
    targets: dict[Priority, SlaTargetConfig]
    warn_at: Annotated[list[float], AfterValidator(_check_ladder)] = [0.75, 0.9]


class CalendarConfig(Model):
    """`calendars.<id>`: working days, hours, time zone and holidays."""

    timezone: TimeZone | None = None
    working_days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: list[date] = []


class EscalationLevelConfig(Model):
    """One level of an escalation policy: whom to notify, after how long."""

    after: Duration
    notify: list[Annotated[str, Field(pattern=r"^(team|person|oncall):[a-z0-9_.-]+$")]]


class EscalationPolicyConfig(Model):
    """`escalation_policies.<id>`: levels, in order."""

    levels: list[EscalationLevelConfig] = Field(min_length=1)


class DigestScopeConfig(Model):
    """What a digest covers: everything, or some teams or services."""

    teams: list[Key] = []
    services: list[Key] = []


def _check_cron(schedule: str) -> str:
    fields = schedule.split()
    if len(fields) != 5:
        raise ValueError("a cron schedule has 5 fields: minute hour day month weekday")
    if any(character.isdigit() for character in fields[4]):
        raise ValueError("name weekdays (mon..sun): cron and APScheduler number them differently")
    try:
        CronTrigger.from_crontab(schedule, timezone=UTC)
    except ValueError as error:
        raise ValueError(f"not a cron schedule ({error})") from error
    return schedule


class DigestConfig(Model):
    """`digests[]`: a manager digest: recipients, cron schedule, scope."""

    id: Key
    recipients: list[Annotated[str, Field(pattern=r"^(team|person):[a-z0-9_.-]+$")]]
    schedule: Annotated[str, AfterValidator(_check_cron)]
    scope: DigestScopeConfig = DigestScopeConfig()


class SchedulerConfig(Model):
    """`scheduler`: how often the clocks tick."""

    sla_sweep_interval: Duration = timedelta(seconds=15)
    outbox_interval: Duration = timedelta(seconds=2)
    delivery_deadline: Duration = timedelta(minutes=5)


class HttpConfig(Model):
    """`http`: where /healthz and /metrics are served."""

    listen: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080


class Config(Model):
    """The whole configuration file."""

    database: DatabaseConfig = DatabaseConfig()
    timezone: TimeZone = "UTC"
    slack: SlackConfig | None = None
    telegram: TelegramConfig | None = None
    people: list[PersonConfig] = Field(min_length=1)
    teams: list[TeamConfig] = Field(min_length=1)
    services: list[ServiceConfig] = Field(min_length=1)
    emergency_approvers: list[Key] = []
    sla_policies: dict[Key, SlaPolicyConfig] = {}
    calendars: dict[Key, CalendarConfig] = {}
    escalation_policies: dict[Key, EscalationPolicyConfig] = {}
    digests: list[DigestConfig] = []
    scheduler: SchedulerConfig = SchedulerConfig()
    http: HttpConfig | None = None
    priority_matrix: dict[Level, dict[Level, Priority]] = {}


def config_secrets(config: Config) -> list[str | None]:
    """Every secret value in `config`, for the log mask."""
    secrets = [make_url(config.database.url).password]
    if config.slack is not None:
        secrets += [config.slack.bot_token, config.slack.signing_secret, config.slack.app_token]
    if config.telegram is not None:
        webhook = config.telegram.webhook
        secrets += [config.telegram.token, webhook.secret_token if webhook else None]
    return [str(secret) if secret is not None else None for secret in secrets]


def load_config(path: Path) -> Config:
    """Read, expand and validate a config file; ConfigError with one line naming the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({_first_line(error)})") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return parse_config(raw)


def parse_config(raw: dict[str, Any]) -> Config:
    """Validate an already-parsed config mapping (after expanding `${ENV}` references)."""
    expanded = _expand(raw, ())
    try:
        config = Config.model_validate(expanded)
    except ValidationError as error:
        first = error.errors()[0]
        raise ConfigError(f"{_key_path(first['loc'])}: {first['msg']}") from error
    _check_references(config)
    return config


def _expand(value: Any, path: tuple[str | int, ...]) -> Any:
    if isinstance(value, dict):
        return {key: _expand(item, (*path, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item, (*path, index)) for index, item in enumerate(value)]
    if isinstance(value, str):
        return _ENV_REFERENCE.sub(lambda match: _environment(match.group(1), path), value)
    return value


def _environment(name: str, path: tuple[str | int, ...]) -> str:
    if name not in os.environ:
        raise ConfigError(f"{_key_path(path)}: environment variable {name} is not set")
    return os.environ[name]


def _key_path(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _check_references(config: Config) -> None:
    people = _unique("people", [person.id for person in config.people])
    teams = _unique("teams", [team.id for team in config.teams])
    services = _unique("services", [service.id for service in config.services])
    for index, person in enumerate(config.people):
        _known(f"people[{index}].manager", person.manager, people, "person")
    _unique_values("", "emergency_approvers", config.emergency_approvers)
    for approver in config.emergency_approvers:
        _known("emergency_approvers", approver, people, "person")
    for platform in ("slack", "telegram"):
        accounts = [getattr(person, platform) for person in config.people]
        _unique_values("people", platform, [str(a) if a is not None else None for a in accounts])
    for index, team in enumerate(config.teams):
        _unique_values(f"teams[{index}]", "members", team.members)
        for member in team.members:
            _known(f"teams[{index}].members", member, people, "person")
    for index, service in enumerate(config.services):
        where = f"services[{index}]"
        _known(f"{where}.team", service.team, teams, "team")
        _known(f"{where}.sla_policy", service.sla_policy, set(config.sla_policies), "SLA policy")
        _known(
            f"{where}.escalation_policy",
            service.escalation_policy,
            set(config.escalation_policies),
            "escalation policy",
        )
        _unique_values(where, "approvers", service.approvers)
        _unique_values(
            where, "standard_changes", [name.lower() for name in service.standard_changes]
        )
        for approver in service.approvers:
            _known(f"{where}.approvers", approver, people, "person")
        if service.approval.rule == "quorum" and service.approval.quorum > len(service.approvers):
            raise ConfigError(
                f"{where}.approval.quorum: {service.approval.quorum} approvals needed but "
                f"only {len(service.approvers)} approvers listed"
            )
    _check_clocks(config, people, teams)
    _check_digests(config, people, teams, services)


def _check_digests(config: Config, people: set[str], teams: set[str], services: set[str]) -> None:
    _unique("digests", [digest.id for digest in config.digests])
    known = {"team": teams, "person": people}
    for index, digest in enumerate(config.digests):
        for recipient in digest.recipients:
            kind, _, key = recipient.partition(":")
            _known(f"digests[{index}].recipients", key, known[kind], kind)
        for team in digest.scope.teams:
            _known(f"digests[{index}].scope.teams", team, teams, "team")
        for service in digest.scope.services:
            _known(f"digests[{index}].scope.services", service, services, "service")


def _check_clocks(config: Config, people: set[str], teams: set[str]) -> None:
    calendars = set(config.calendars)
    for name, policy in config.sla_policies.items():
        _known(f"sla_policies.{name}.calendar", policy.calendar, calendars, "calendar")
        for priority, target in policy.targets.items():
            where = f"sla_policies.{name}.targets.{priority}.calendar"
            _known(where, target.calendar, calendars, "calendar")
    for name, calendar in config.calendars.items():
        if calendar.end != time(0) and calendar.start >= calendar.end:
            raise ConfigError(f"calendars.{name}.end: must be later than start (00:00 is midnight)")
    for index, team in enumerate(config.teams):
        for member in team.oncall.people if team.oncall else []:
            _known(f"teams[{index}].oncall.people", member, people, "person")
    known = {"team": teams, "person": people, "oncall": teams}
    for name, escalation in config.escalation_policies.items():
        for level, step in enumerate(escalation.levels):
            for notified in step.notify:
                kind, _, key = notified.partition(":")
                where = f"escalation_policies.{name}.levels[{level}].notify"
                _known(where, key, known[kind], "team" if kind == "oncall" else kind)


def _unique(section: str, keys: list[str]) -> set[str]:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise ConfigError(f"{section}[{index}].id: '{key}' is used twice")
        seen.add(key)
    return seen


def _unique_values(where: str, field: str, values: Sequence[str | None]) -> None:
    """Within a list (`teams[0].members`) or across entries (`people[*].slack`)."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            place = f"{where}[{index}].{field}" if where == "people" else f"{where}.{field}"
            place = place.lstrip(".")
            raise ConfigError(f"{place}: '{value}' is listed twice")
        seen.add(value)


def _known(where: str, key: str | None, known: set[str], what: str) -> None:
    if key is not None and key not in known:
        raise ConfigError(f"{where}: unknown {what} '{key}'")
