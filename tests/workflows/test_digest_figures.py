"""Digest figures on a hand-built history whose every number is worked out here, on SQLite and
PostgreSQL: counts by priority, MTTA / MTTR against the previous week, SLA breaches, compliance
and risk, the oldest open tickets, changes, top services and types, and the daily series."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.database import Database
from storage.enums import Level, Priority, TicketStatus, TicketType
from storage.models import AuditEvent, Person, Service, Ticket
from workflows.digest import (
    DayFigures,
    DigestFigures,
    Period,
    Scope,
    Tally,
    from_payload,
    to_payload,
)
from workflows.digest_figures import compute_digest, day_bounds
from workflows.unit_of_work import unit_of_work

# Monday 16 Nov 08:00 to Monday 23 Nov 08:00 in Berlin (UTC+1), sent at its end.
START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
WEEK = Period(START, END)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
PREFIX = {TicketType.INCIDENT: "INC", TicketType.CHANGE: "CHG", TicketType.SERVICE_REQUEST: "REQ"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def add(
    session: Session,
    number: int,
    kind: TicketType,
    priority: Priority,
    service: str,
    created: datetime,
    status: TicketStatus = TicketStatus.NEW,
    **columns: object,
) -> None:
    """Insert a ticket with the chosen moments, as if it had lived them."""
    found = session.execute(select(Service.id, Service.team_id).where(Service.key == service))
    service_id, team_id = found.one()
    requester = session.scalar(select(Person.id).where(Person.key == "alice"))
    session.add(
        Ticket(
            type=kind,
            reference=f"{PREFIX[kind]}-{number}",
            title=f"ticket {number}",
            service_id=service_id,
            team_id=team_id,
            requester_id=requester,
            impact=Level.MEDIUM,
            urgency=Level.MEDIUM,
            priority=priority,
            status=status,
            created_at=created,
            updated_at=created,
            **columns,
        )
    )


def build_history(session: Session) -> None:
    """Nine tickets; the figures each test expects are derived in its comments."""
    incident, P1, P2 = TicketType.INCIDENT, Priority.P1, Priority.P2
    resolved, open_ = TicketStatus.RESOLVED, TicketStatus.ACKNOWLEDGED
    # A, J: the previous week's P1s (MTTA 1 h and 30 min, MTTR 5 h and 2 h).
    add(
        session,
        1,
        incident,
        P1,
        "vpn",
        at(12, 7),
        resolved,
        acknowledged_at=at(12, 8),
        resolved_at=at(12, 12),
        response_due_at=at(12, 7, 15),
        resolution_due_at=at(12, 11),
    )
    add(
        session,
        2,
        incident,
        P1,
        "wifi",
        at(15, 7),
        resolved,
        acknowledged_at=at(15, 7, 30),
        resolved_at=at(15, 9),
    )
    # B: this week's P1, acknowledged 30 min in (its 15 min response missed), resolved in 2 h
    # (its 4 h resolution met).
    add(
        session,
        3,
        incident,
        P1,
        "vpn",
        at(17, 10),
        resolved,
        acknowledged_at=at(17, 10, 30),
        resolved_at=at(17, 12),
        response_due_at=at(17, 10, 15),
        resolution_due_at=at(17, 14),
    )
    # C: a P2 acknowledged in 10 min (response met), still open past its resolution due moment.
    add(
        session,
        4,
        incident,
        P2,
        "wifi",
        at(18, 10),
        open_,
        acknowledged_at=at(18, 10, 10),
        response_due_at=at(18, 10, 30),
        resolution_due_at=at(18, 18),
        resolution_stage=3,
    )
    # D: an old request, open, its clock paused (waiting on its requester) when its due moment
    # passed: not a breach.
    add(
        session,
        5,
        TicketType.SERVICE_REQUEST,
        Priority.P3,
        "laptops",
        at(6, 7),
        TicketStatus.WAITING_ON_REQUESTER,
        resolution_due_at=at(20, 12),
        sla_paused_at=at(19, 9),
    )
    # E: a P2 raised late on Sunday (UTC; already Monday in Berlin), never acknowledged (response
    # missed), warned of its resolution, due after the week: at risk.
    add(
        session,
        6,
        incident,
        P2,
        "email",
        at(22, 23, 30),
        response_due_at=at(23, 0),
        resolution_due_at=at(23, 12),
        response_stage=3,
        resolution_stage=1,
    )
    # G: a change that failed on the 19th, two days after it was raised.
    add(
        session,
        7,
        TicketType.CHANGE,
        Priority.P3,
        "vpn",
        at(17, 9),
        TicketStatus.FAILED,
        resolved_at=at(19, 9),
    )
    # H: a change awaiting approval.
    add(
        session,
        8,
        TicketType.CHANGE,
        Priority.P4,
        "erp-access",
        at(20, 9),
        TicketStatus.AWAITING_APPROVAL,
    )
    # I: a P2 of the previous week (acknowledged in 1 h), resolved this week after 6 days 2 h.
    add(
        session,
        9,
        incident,
        P2,
        "vpn",
        at(10, 7),
        resolved,
        acknowledged_at=at(10, 8),
        resolved_at=at(16, 9),
        resolution_due_at=at(10, 15),
    )
    session.flush()
    failed = session.scalar(select(Ticket.id).where(Ticket.reference == "CHG-7"))
    session.add(
        AuditEvent(
            ticket_id=failed,
            action="fail",
            to_status=TicketStatus.FAILED,
            from_status=TicketStatus.IMPLEMENTING,
            created_at=at(19, 9),
        )
    )


def digest(
    database: Database, scope: Scope | None = None, zone: str = "Europe/Berlin"
) -> DigestFigures:
    with unit_of_work(database) as session:
        build_history(session)
    with unit_of_work(database) as session:
        return compute_digest(
            session, name="weekly", scope=scope or Scope(), period=WEEK, timezone=zone, now=END
        )


def test_counts_and_mean_times_by_priority_against_the_previous_week(database: Database) -> None:
    rows = {row.priority: row for row in digest(database).by_priority}
    p1, p2, p3, p4, p5 = (rows[p] for p in Priority)
    # P1: B new and resolved; MTTA 30 min vs (1 h + 30 min) / 2; MTTR 2 h vs (5 h + 2 h) / 2.
    assert (p1.new, p1.resolved, p1.open) == (1, 1, 0)
    assert (p1.mtta, p1.mtta_before, p1.mttr, p1.mttr_before) == (1800, 2700, 7200, 12600)
    # P2: C and E new; I resolved (after 6 d 2 h); C and E open. Only C acknowledged this week.
    assert (p2.new, p2.resolved, p2.open) == (2, 1, 2)
    assert (p2.mtta, p2.mtta_before, p2.mttr, p2.mttr_before) == (600, 3600, 525600, None)
    # P3: G new and resolved (2 days); D open.
    assert (p3.new, p3.resolved, p3.open, p3.mttr, p3.mtta) == (1, 1, 1, 172800, None)
    assert (p4.new, p4.resolved, p4.open) == (1, 0, 1)
    assert (p5.new, p5.resolved, p5.open, p5.mttr) == (0, 0, 0, None)


def test_sla_breaches_compliance_and_risk(database: Database) -> None:
    sla = digest(database).sla
    # Missed: B's response, C's resolution, E's response (D's was paused; I's fell last week).
    # Met: B's resolution, C's response. At risk: E (warned, due after now).
    assert (sla.breaches, sla.met, sla.at_risk) == (3, 2, 1)
    assert sla.compliance == pytest.approx(40.0)


def test_oldest_open_changes_services_and_types(database: Database) -> None:
    figures = digest(database)
    assert [t.reference for t in figures.oldest_open] == ["REQ-5", "INC-4", "CHG-8", "INC-6"]
    assert figures.oldest_open[0].team == "Workplace IT"
    assert (figures.changes_awaiting_approval, figures.changes_failed) == (1, 1)
    assert figures.top_services[0] == Tally("VPN", 2)
    assert sorted(figures.top_services[1:], key=lambda t: t.name) == [
        Tally("ERP access", 1),
        Tally("Email and calendar", 1),
        Tally("Office Wi-Fi", 1),
    ]
    assert figures.top_categories == (Tally("incident", 3), Tally("change", 2))


def test_daily_backlog_and_breaches_in_berlin(database: Database) -> None:
    # Open at the start: D and I. I resolved on the 16th; B and G raised on the 17th (B resolved
    # that day, its response missed); C on the 18th (its resolution missed that evening); G
    # resolved on the 19th; H raised on the 20th; E raised at 00:30 on the 23rd, Berlin time,
    # and missed its response at 01:00.
    assert digest(database).days == tuple(
        DayFigures(date(2026, 11, day), backlog, breaches)
        for day, backlog, breaches in [
            (16, 1, 0),
            (17, 2, 1),
            (18, 3, 1),
            (19, 2, 0),
            (20, 3, 0),
            (21, 3, 0),
            (22, 3, 0),
            (23, 4, 1),
        ]
    )


def test_days_follow_the_digest_time_zone(database: Database) -> None:
    # In New York (UTC-5) E was raised and missed its response on Sunday the 22nd.
    days = digest(database, zone="America/New_York").days
    assert days[-2:] == (DayFigures(date(2026, 11, 22), 4, 1), DayFigures(date(2026, 11, 23), 4, 0))


def test_a_scope_counts_only_its_teams_and_services(database: Database) -> None:
    figures = digest(database, Scope(teams=("network",)))
    # Network: A, B, C, G, I, J. New this week B, C, G; open C; missed B's response, C's
    # resolution; no change awaits approval.
    assert (figures.total("new"), figures.total("open"), figures.sla.breaches) == (3, 1, 2)
    assert [t.reference for t in figures.oldest_open] == ["INC-4"]
    assert figures.changes_awaiting_approval == 0
    with_email = digest_again(database, Scope(teams=("network",), services=("email",)))
    assert (with_email.total("new"), with_email.total("open")) == (4, 2)


def digest_again(database: Database, scope: Scope) -> DigestFigures:
    with unit_of_work(database) as session:
        return compute_digest(
            session, name="weekly", scope=scope, period=WEEK, timezone="UTC", now=END
        )


def test_an_empty_period_has_zeros_and_no_compliance(database: Database) -> None:
    with unit_of_work(database) as session:
        figures = compute_digest(
            session, name="weekly", scope=Scope(), period=WEEK, timezone="UTC", now=END
        )
    assert figures.total("new") == figures.total("open") == 0
    assert all(row.mtta is None and row.mttr is None for row in figures.by_priority)
    assert (figures.sla.breaches, figures.sla.met, figures.sla.compliance) == (0, 0, None)
    assert figures.oldest_open == ()
    assert figures.top_services == figures.top_categories == ()
    assert [(d.backlog, d.breaches) for d in figures.days] == [(0, 0)] * 8


def test_the_figures_survive_the_outbox_payload(database: Database) -> None:
    figures = digest(database)
    assert from_payload(to_payload(figures)) == figures


def test_day_bounds_follow_local_midnights_across_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 24, tzinfo=berlin).astimezone(UTC)
    end = datetime(2026, 10, 27, tzinfo=berlin).astimezone(UTC)
    # Summer time ends on the 25th: that day lasts 25 hours.
    assert day_bounds(Period(start, end), berlin) == [
        datetime(2026, 10, 23, 22, tzinfo=UTC),
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),
        datetime(2026, 10, 26, 23, tzinfo=UTC),
    ]
