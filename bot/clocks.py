"""Config -> the domain's time-based books: SLA (calendars, targets, ladders), escalation
(levels, rotations) and change rules (standard changes, freeze windows)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.config import CalendarConfig, Config, SlaPolicyConfig
from storage.enums import Priority
from workflows.calendars import BusinessCalendar
from workflows.change_rules import ChangeRules, FreezeWindow
from workflows.escalation_policy import EscalationBook, EscalationLevel, EscalationPolicy, Rotation
from workflows.sla import SlaBook, SlaPolicy, SlaTarget

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def sla_book(config: Config) -> SlaBook:
    """Every SLA policy of `config`, with its calendars resolved."""
    calendars = {key: _calendar(c, config.timezone) for key, c in config.calendars.items()}
    return SlaBook({key: _policy(p, calendars) for key, p in config.sla_policies.items()})


def change_rules(config: Config) -> ChangeRules:
    """Each service's standard changes and freeze windows (naive times in the desk's zone)."""
    zone = ZoneInfo(config.timezone)
    return ChangeRules(
        standard={s.id: tuple(s.standard_changes) for s in config.services if s.standard_changes},
        freezes={
            service.id: tuple(
                FreezeWindow(
                    window.name,
                    _aware(window.start, zone).astimezone(UTC),
                    _aware(window.end, zone).astimezone(UTC),
                )
                for window in service.freeze_windows
            )
            for service in config.services
            if service.freeze_windows
        },
    )


def escalation_book(config: Config) -> EscalationBook:
    """Every escalation policy and on-call rotation of `config`."""
    zone = ZoneInfo(config.timezone)
    return EscalationBook(
        policies={
            key: EscalationPolicy(
                tuple(EscalationLevel(level.after, tuple(level.notify)) for level in policy.levels)
            )
            for key, policy in config.escalation_policies.items()
        },
        rotations={
            team.id: Rotation(
                tuple(team.oncall.people), _aware(team.oncall.start, zone), team.oncall.shift
            )
            for team in config.teams
            if team.oncall is not None
        },
    )


def _policy(policy: SlaPolicyConfig, calendars: dict[str, BusinessCalendar]) -> SlaPolicy:
    targets = {}
    for priority, target in policy.targets.items():
        # A target's own calendar wins; else P1 runs around the clock and the rest on the policy's.
        name = target.calendar or (None if priority == Priority.P1 else policy.calendar)
        calendar = calendars[name] if name else BusinessCalendar.around_the_clock()
        targets[priority] = SlaTarget(target.response, target.resolution, calendar, calendar)
    return SlaPolicy(targets, tuple(policy.warn_at))


def _calendar(calendar: CalendarConfig, desk_zone: str) -> BusinessCalendar:
    return BusinessCalendar(
        zone=ZoneInfo(calendar.timezone or desk_zone),
        working_days=frozenset(WEEKDAYS.index(day) for day in calendar.working_days),
        opens=calendar.start,
        closes=calendar.end,
        holidays=frozenset(calendar.holidays),
    )


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
