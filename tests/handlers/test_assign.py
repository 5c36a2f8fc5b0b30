"""`/assign`: the owning team gives a ticket to one of its members, who is told."""

from storage.enums import AudienceKind
from tests.support.chat import Chat


def test_team_member_assigns_to_a_colleague_who_gets_a_direct_message(chat: Chat) -> None:
    reference = chat.raise_incident("alice")
    chat.deliver()

    replies = chat.command("bob", "assign", f"{reference} dave")

    assert replies[0].text == f"{reference} is now assigned to Dave Kowalski."
    assert chat.assignee_of(reference) == "dave"
    direct = [d for d in chat.deliver() if d.audience == AudienceKind.PERSON]
    assert [(d.address, d.reply.text) for d in direct] == [
        ("dave", f"Bob Okafor assigned {reference} to Dave Kowalski.")
    ]


def test_assigning_outside_the_owning_team_is_refused(chat: Chat) -> None:
    reference = chat.raise_incident("alice")

    to_outsider = chat.command("bob", "assign", f"{reference} erin")
    by_outsider = chat.command("erin", "assign", f"{reference} dave")
    malformed = chat.command("bob", "assign", reference)

    assert to_outsider[0].text == f"Erin Tanaka is not in Network team, which owns {reference}."
    assert by_outsider[0].text == "Only the team that owns this ticket can assign it."
    assert malformed[0].text == "Write it like /assign INC-12 dave."
    assert chat.assignee_of(reference) is None
