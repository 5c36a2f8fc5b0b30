"""The schema: typed SQLAlchemy 2.0 models.

Directory tables (people, teams, services) mirror the config; tickets and their history are
the service desk's own data; the outbox, inbound deliveries, chat message references and
dialog states are the plumbing that makes chat delivery durable and idempotent.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import (
    AudienceKind,
    ChangeKind,
    IntentKind,
    Level,
    MessageRole,
    OutboxStatus,
    Priority,
    Role,
    TicketStatus,
    TicketType,
    Vote,
)
from storage.types import UTCDateTime, enum_type

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KEY_LENGTH = 64
TITLE_LENGTH = 200


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Person(Base):
    """Someone in the directory: an employee, responder, approver or manager."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # Added themselves (a chat platform's self-registration), not by config: sync keeps them.
    self_registered: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who approves this person's access requests first.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # One of the small group that approves emergency changes.
    emergency_approver: Mapped[bool] = mapped_column(default=False, server_default="0")

    roles: Mapped[list["PersonRole"]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    identities: Mapped[list["PlatformIdentity"]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class PersonRole(Base):
    """One role a person holds."""

    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="roles")


class PlatformIdentity(Base):
    """A person's account on a chat platform (`slack:U123`, `telegram:42`)."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))

    person: Mapped[Person] = relationship(back_populates="identities")


class Team(Base):
    """A responder team that owns services and works their tickets."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class TeamMember(Base):
    """Membership of a person in a team."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )


class TeamChannel(Base):
    """Where a team's cards go on one platform."""

    __tablename__ = "team_channels"
    __table_args__ = (UniqueConstraint("team_id", "platform"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))


class Service(Base):
    """An entry of the service catalog."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    sla_policy: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    escalation_policy: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team] = relationship(lazy="joined")


class ServiceApprover(Base):
    """A person who approves changes and requests for a service."""

    __tablename__ = "service_approvers"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )


class Ticket(Base):
    """An incident, request, change or problem. `reference` is `INC-<id>` and friends."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_requester_status", "requester_id", "status"),
        Index("ix_tickets_team_status", "team_id", "status"),
        # Digests read the open tickets and those resolved since a moment, oldest first.
        Index("ix_tickets_resolved_created", "resolved_at", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[TicketType] = mapped_column(enum_type(TicketType, "ticket_type"))
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    impact: Mapped[Level] = mapped_column(enum_type(Level, "impact"))
    urgency: Mapped[Level] = mapped_column(enum_type(Level, "urgency"))
    priority: Mapped[Priority] = mapped_column(enum_type(Priority, "priority"))
    status: Mapped[TicketStatus] = mapped_column(enum_type(TicketStatus, "status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The resolution clock: paused since when (None while it runs), and for how much
    # business time it has been paused in all.
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_paused_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # How many thresholds of each clock's warning ladder were announced (the last is the breach).
    response_stage: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    resolution_stage: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The escalation policy's level reached so far (0: not escalated).
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # When the ticket last started to await approval, and how many reminders went out since.
    approval_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approval_reminders: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    version: Mapped[int] = mapped_column(default=1)

    service: Mapped[Service] = relationship(lazy="joined")
    team: Mapped[Team] = relationship(lazy="joined")
    requester: Mapped[Person] = relationship(foreign_keys=[requester_id], lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    # Loaded when read: only changes and access requests have them.
    change_plan: Mapped["ChangePlan | None"] = relationship()
    access_grant: Mapped["AccessGrant | None"] = relationship(foreign_keys="AccessGrant.ticket_id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)


class ChangePlan(Base):
    """What a change ticket adds: its kind, risk, planned window and rollback plan."""

    __tablename__ = "change_plans"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ChangeKind] = mapped_column(enum_type(ChangeKind, "change_kind"))
    risk: Mapped[Level] = mapped_column(enum_type(Level, "risk"))
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime())
    rollback_plan: Mapped[str] = mapped_column(Text, default="")
    # The change-freeze window an emergency change was planned in, by name ("" when none).
    freeze: Mapped[str] = mapped_column(String(200), default="")


MANAGER_STAGE, OWNER_STAGE = 1, 2  # an access request's approval stages


class AccessGrant(Base):
    """What an access request adds: its approval stage, end and the revocation it led to.

    Stage 1 waits for the requester's manager, stage 2 for the service's owners.
    """

    __tablename__ = "access_grants"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[int] = mapped_column(SmallInteger, default=1)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The moment the access ends (the end of its last day), indexed for the revocation sweep.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # When the team fulfilled it: only granted access is revoked.
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class Comment(Base):
    """A note on a ticket from its requester or a responder."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[Person] = relationship(lazy="joined")


class AuditEvent(Base):
    """One change to a ticket: who did what, from which status to which, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[TicketStatus | None] = mapped_column(enum_type(TicketStatus, "from_status"))
    to_status: Mapped[TicketStatus | None] = mapped_column(enum_type(TicketStatus, "to_status"))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    actor: Mapped[Person | None] = relationship(lazy="joined")


class ProblemLink(Base):
    """An incident linked to the problem behind it."""

    __tablename__ = "problem_links"
    __table_args__ = (UniqueConstraint("problem_id", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApprovalVote(Base):
    """One approver's vote on a ticket; an approver votes once per ticket."""

    __tablename__ = "approval_votes"
    __table_args__ = (UniqueConstraint("ticket_id", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    vote: Mapped[Vote] = mapped_column(enum_type(Vote, "vote"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    approver: Mapped[Person] = relationship(lazy="joined")


class OutboxIntent(Base):
    """A notification to deliver to one audience on one platform, exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_queue", "ticket_id", "platform", "audience_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[IntentKind] = mapped_column(enum_type(IntentKind, "kind"))
    platform: Mapped[str] = mapped_column(String(32))
    audience_kind: Mapped[AudienceKind] = mapped_column(enum_type(AudienceKind, "audience_kind"))
    audience_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the watchdog reported it as overdue (so it is reported once).
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboundDelivery(Base):
    """A chat delivery already handled; a retry of it changes nothing."""

    __tablename__ = "inbound_deliveries"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatMessage(Base):
    """Where a ticket's card or thread lives on a platform, so it can be edited later."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("ticket_id", "platform", "address", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))
    role: Mapped[MessageRole] = mapped_column(enum_type(MessageRole, "message_role"))
    message_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DialogState(Base):
    """The step and answers of a person's multi-step dialog, so it survives a restart."""

    __tablename__ = "dialog_states"
    __table_args__ = (UniqueConstraint("person_id", "platform", "conversation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    conversation: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
