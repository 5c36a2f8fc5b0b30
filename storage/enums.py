"""Enumerations stored in the database, each kept honest by a CHECK constraint."""

from enum import StrEnum


class TicketType(StrEnum):
    """The kinds of ticket, each with its own reference prefix and lifecycle."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    ACCESS_REQUEST = "access_request"
    CHANGE = "change"
    PROBLEM = "problem"


class TicketStatus(StrEnum):
    """Every status any lifecycle uses; each ticket type uses a subset."""

    NEW = "new"
    DRAFT = "draft"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_REQUESTER = "waiting_on_requester"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    IMPLEMENTING = "implementing"
    COMPLETED = "completed"
    FAILED = "failed"
    INVESTIGATING = "investigating"
    KNOWN_ERROR = "known_error"
    FULFILLED = "fulfilled"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Role(StrEnum):
    """What a person may do across the desk; team membership adds the responder's reach."""

    EMPLOYEE = "employee"
    RESPONDER = "responder"
    APPROVER = "approver"
    MANAGER = "manager"


class Level(StrEnum):
    """Impact and urgency levels for the priority matrix."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(StrEnum):
    """P1 (most urgent) to P5."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"


class OutboxStatus(StrEnum):
    """Delivery state of a notification intent."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    DEAD = "dead"


class IntentKind(StrEnum):
    """What a notification intent asks a platform to do."""

    CARD = "card"
    THREAD_NOTE = "thread_note"
    DIRECT_MESSAGE = "direct_message"
    DIGEST = "digest"


class AudienceKind(StrEnum):
    """Who an intent is addressed to: a team's channel or one person."""

    TEAM = "team"
    PERSON = "person"


class MessageRole(StrEnum):
    """Which message of a ticket a stored chat reference points to."""

    CARD = "card"
    DIRECT_THREAD = "direct_thread"


class Vote(StrEnum):
    """An approver's answer to a ticket awaiting approval."""

    APPROVE = "approve"
    REJECT = "reject"


class ChangeKind(StrEnum):
    """How a change is approved: standard (pre-approved), normal, or emergency."""

    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"
