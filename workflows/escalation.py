"""What reaching a level of a service's escalation policy tells, and to whom.

The sweep escalates when an unacknowledged incident's level time runs out or its response
target is breached; a responder can press Escalate. Either way a level is announced once:
its intents' keys name the ticket and the level.
"""

from datetime import datetime

from storage.enums import IntentKind
from workflows.audiences import team
from workflows.escalation_policy import EscalationBook, EscalationPolicy
from workflows.notifications import Announcement, Notice


def escalation_announcement(
    *,
    ticket_id: int,
    owning_team: str,
    policy: EscalationPolicy,
    book: EscalationBook,
    level: int,
    reason: str,
    now: datetime,
) -> Announcement:
    """What reaching `level` tells: each of the level's audiences, and the owning team's thread."""
    payload = {"event": "escalated", "level": level, "reason": reason}
    notices = [Notice(IntentKind.THREAD_NOTE, team(owning_team), payload)]
    for audience in book.audiences(policy.level(level), now):
        kind = IntentKind.DIRECT_MESSAGE if audience.kind == "person" else IntentKind.CARD
        if audience != team(owning_team):
            notices.append(Notice(kind, audience, payload))
    return Announcement(ticket_id, f"escalation:{ticket_id}:{level}", notices)
