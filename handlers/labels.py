"""Words the UI shows for lifecycle actions, statuses and choices; button labels are a contract."""

from storage.enums import ChangeKind, Level, TicketStatus, TicketType
from workflows.lifecycle import Action

ACTION_LABELS: dict[Action, str] = {
    Action.ACKNOWLEDGE: "Acknowledge",
    Action.START: "Start work",
    Action.WAIT: "Wait on requester",
    Action.RESUME: "Resume",
    Action.RESOLVE: "Resolve",
    Action.CLOSE: "Close",
    Action.REOPEN: "Reopen",
    Action.SUBMIT: "Submit for approval",
    Action.APPROVE: "Approve",
    Action.REJECT: "Reject",
    Action.FULFIL: "Fulfil",
    Action.SCHEDULE: "Schedule",
    Action.IMPLEMENT: "Implement",
    Action.COMPLETE: "Complete",
    Action.FAIL: "Mark failed",
    Action.INVESTIGATE: "Investigate",
    Action.RECORD_KNOWN_ERROR: "Record known error",
    Action.EXPIRE: "Expire",
}
TAKE_LABEL = "Take"
ESCALATE_LABEL = "Escalate"
RESOLVE_LINKED_LABEL = "Resolve linked incidents"

ACTION_PAST_TENSE: dict[Action, str] = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.START: "started work on",
    Action.WAIT: "is waiting on the requester for",
    Action.RESUME: "resumed",
    Action.RESOLVE: "resolved",
    Action.CLOSE: "closed",
    Action.REOPEN: "reopened",
    Action.SUBMIT: "submitted for approval",
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.FULFIL: "fulfilled",
    Action.SCHEDULE: "scheduled",
    Action.IMPLEMENT: "started implementing",
    Action.COMPLETE: "completed",
    Action.FAIL: "marked as failed",
    Action.INVESTIGATE: "started investigating",
    Action.RECORD_KNOWN_ERROR: "recorded a known error for",
    Action.EXPIRE: "expired the approval of",
}

TYPE_LABELS: dict[TicketType, str] = {
    TicketType.INCIDENT: "Incident",
    TicketType.SERVICE_REQUEST: "Service request",
    TicketType.ACCESS_REQUEST: "Access request",
    TicketType.CHANGE: "Change",
    TicketType.PROBLEM: "Problem",
}

LEVEL_LABELS: dict[Level, str] = {Level.HIGH: "High", Level.MEDIUM: "Medium", Level.LOW: "Low"}


def status_label(status: TicketStatus) -> str:
    """`waiting_on_requester` -> `waiting on requester`."""
    return status.value.replace("_", " ")


CHANGE_KIND_LABELS: dict[ChangeKind, str] = {
    ChangeKind.STANDARD: "Standard (pre-approved)",
    ChangeKind.NORMAL: "Normal",
    ChangeKind.EMERGENCY: "Emergency",
}
