"""Problems: raised from incidents, linked and unlinked, and when resolved, the incidents'
requesters told and the team offered to resolve the linked incidents in one press."""

from handlers.cards import RESOLVE_LINKED_ACTION, action_button
from handlers.events import Reply
from storage.enums import AudienceKind, IntentKind, TicketStatus
from tests.support.chat import Chat, button


def shown(chat: Chat, person: str, reference: str) -> Reply:
    return chat.command(person, "ticket", reference)[0]


def raise_problem_behind_two_incidents(chat: Chat) -> str:
    first = chat.raise_incident("alice", "VPN drops every hour")
    second = chat.raise_incident("alice", "VPN slow in the morning")
    replies = chat.command("bob", "problem", f"{first} {second} VPN gateway runs out of memory")
    assert replies[0].text == f"Raised PRB-3 and linked {first}, {second} to it."
    chat.deliver()
    return "PRB-3"


def test_a_problem_raised_from_incidents_is_linked_to_them(chat: Chat) -> None:
    problem = raise_problem_behind_two_incidents(chat)

    assert "Linked incidents: INC-1, INC-2" in shown(chat, "bob", problem).text
    assert "Problem: PRB-3" in shown(chat, "bob", "INC-1").text


def test_links_are_the_problem_teams_and_made_once(chat: Chat) -> None:
    problem = raise_problem_behind_two_incidents(chat)
    third = chat.raise_incident("alice", "VPN refuses new logins")

    outsider = chat.command("erin", "link", f"{problem} {third}")
    twice = chat.command("bob", "link", f"{problem} INC-1")
    not_an_incident = chat.command("bob", "link", f"{problem} {problem}")
    linked = chat.command("bob", "link", f"{problem} {third}")

    assert outsider[0].problem
    assert outsider[0].text == "Only Network team links incidents to PRB-3."
    assert twice[0].text == "INC-1 is already linked to PRB-3."
    assert not_an_incident[0].text == "Only incidents are linked to a problem; PRB-3 is not."
    assert linked[0].text == f"Linked {third} and PRB-3."
    assert "Linked incidents: INC-1, INC-2, INC-4" in shown(chat, "bob", problem).text

    unlinked = chat.command("bob", "unlink", f"{problem} INC-2")
    again = chat.command("bob", "unlink", f"{problem} INC-2")

    assert unlinked[0].text == "Unlinked INC-2 and PRB-3."
    assert again[0].text == "INC-2 is not linked to PRB-3."
    assert "Linked incidents: INC-1, INC-4" in shown(chat, "bob", problem).text


def test_a_resolved_problem_tells_requesters_and_resolves_its_incidents_in_one_press(
    chat: Chat,
) -> None:
    problem = raise_problem_behind_two_incidents(chat)
    chat.press("bob", button([shown(chat, "bob", problem)], "Investigate"))
    chat.press("bob", button([shown(chat, "bob", problem)], "Resolve"))

    delivered = chat.deliver()

    told = [
        d.reply.text
        for d in delivered
        if d.audience == AudienceKind.PERSON and d.address == "alice"
    ]
    assert told == [
        "PRB-3 (VPN gateway runs out of memory), the problem behind your incident INC-1, "
        "INC-2, is resolved; the team will resolve the incident or tell you more."
    ]
    offer = next(d.reply for d in delivered if d.kind == IntentKind.THREAD_NOTE and d.reply.buttons)
    pressed = chat.press("bob", button([offer], "Resolve linked incidents"))

    assert pressed[0].text == "Resolved the linked incidents: INC-1, INC-2."
    assert chat.status_of("INC-1") == chat.status_of("INC-2") == TicketStatus.RESOLVED
    again = chat.press("bob", button([offer], "Resolve linked incidents"))
    assert again[0].text == "Resolved the linked incidents: none (all were done already)."


def test_the_offer_is_refused_before_the_problem_is_resolved(chat: Chat) -> None:
    problem = raise_problem_behind_two_incidents(chat)
    early = chat.press("bob", button([shown(chat, "bob", problem)], "Investigate"))
    assert early[0].text == f"{problem} is now investigating."

    refused = chat.press("bob", action_button(RESOLVE_LINKED_ACTION, "x", problem))

    assert refused[0].problem
    assert refused[0].text == "Resolve PRB-3 first; its incidents follow it."
    assert chat.status_of("INC-1") == TicketStatus.NEW
