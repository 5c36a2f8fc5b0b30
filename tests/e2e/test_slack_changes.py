"""Slack end to end, for change management and access requests: signed HTTP requests to the
real app (bolt under uvicorn), the Web API served by a recording double, a real database.

A change is raised with the typed dialog in the DM with the bot (`/ticket change`), approved by
both of the firewall's approvers in their DMs, then worked from the network team's card. An
access request is raised with the form, approved by the requester's manager and then by the
service's other approver, and fulfilled from the workplace team's card.
"""

from itertools import count
from typing import Any

import pytest

from storage.enums import TicketStatus
from tests.support.slack_app import SLACK_IDS, SlackClient, SlackDesk, ticket, undelivered
from tests.support.slack_blocks import buttons, check_message
from tests.support.slack_double import SlackDouble
from tests.support.slack_payloads import GOOD_FORM, press, submission

ALICE, BOB, CAROL = SLACK_IDS["alice"], SLACK_IDS["bob"], SLACK_IDS["carol"]
ERIN, GRACE = SLACK_IDS["erin"], SLACK_IDS["grace"]
NETWORK, WORKPLACE = "C0NETWORK", "C0WORKPLACE"
TYPED = count(1)


@pytest.fixture
def slack(served: SlackDesk) -> SlackClient:
    assert served.config.slack is not None
    return SlackClient(served.config.slack.http.port)


def dm_of(user: str) -> str:
    """The DM channel the double opens for `user` when the bot posts to their id."""
    return "D" + user.removeprefix("U")


def posted(double: SlackDouble) -> list[dict[str, Any]]:
    """Every message posted, checked as Block Kit, with the channel and ts the double gave it
    (it numbers messages in order, and a post to a user id lands in their DM)."""
    calls = double.calls_to("chat.postMessage")
    for call in calls:
        check_message(call["blocks"])
    return [
        call | {"channel": dm_of(call["channel"]), "ts": f"1700000000.{number:06d}"}
        if call["channel"].startswith("U")
        else call | {"ts": f"1700000000.{number:06d}"}
        for number, call in enumerate(calls, start=1)
    ]


def in_dm(double: SlackDouble, user: str) -> list[dict[str, Any]]:
    """What the bot posted in `user`'s DM outside threads, oldest first."""
    return [
        call
        for call in posted(double)
        if call["channel"] == dm_of(user) and "thread_ts" not in call
    ]


def texts(call: dict[str, Any]) -> list[str]:
    """The text of a message, its blocks checked."""
    return check_message(call["blocks"])


def edits_of(double: SlackDouble, message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every edit of the posted `message`, oldest first, each checked."""
    where = (message["channel"], message["ts"])
    edits = [
        call for call in double.calls_to("chat.update") if (call["channel"], call["ts"]) == where
    ]
    for edit in edits:
        check_message(edit["blocks"])
    return edits


def answer(
    slack: SlackClient,
    double: SlackDouble,
    user: str,
    reply: str,
    *,
    typed: bool = False,
    said: int = 1,
) -> list[str]:
    """Answer the bot's newest question in `user`'s DM: press the button labelled `reply`, or
    with `typed` type it; wait for the `said` messages the bot answers with, and return the
    text of the last."""
    asked = in_dm(double, user)
    if typed:
        number = next(TYPED)
        message = {
            "type": "message",
            "user": user,
            "text": reply,
            "channel": dm_of(user),
            "channel_type": "im",
            "ts": f"1800000000.{number:06d}",
        }
        assert slack.event(message, f"EvTyped{number}").status == 200
    else:
        button = buttons(asked[-1]["blocks"])[reply]
        assert slack.interact(press(user, button, dm_of(user), asked[-1]["ts"])).status == 200
    answered = len(asked) + said
    double.wait_for(lambda: len(in_dm(double, user)) >= answered, f"the answer to {reply!r}")
    return texts(in_dm(double, user)[answered - 1])


def approve(
    slack: SlackClient, double: SlackDouble, served: SlackDesk, user: str, reference: str
) -> dict[str, Any]:
    """`user` presses Approve on the request for `reference` in their DM, and is answered
    there; the request."""
    double.wait_for(lambda: undelivered(served) == 0, "the approval requests delivered")
    before = in_dm(double, user)
    request = next(
        call
        for call in before
        if texts(call)[0].startswith(f"*{reference} ") and "Approve" in buttons(call["blocks"])
    )
    approve_button = buttons(request["blocks"])["Approve"]
    assert slack.interact(press(user, approve_button, dm_of(user), request["ts"])).status == 200
    double.wait_for(lambda: len(in_dm(double, user)) > len(before), f"{user} answered")
    return request


def work_the_card(
    slack: SlackClient,
    double: SlackDouble,
    served: SlackDesk,
    card: dict[str, Any],
    moves: tuple[tuple[str, str, TicketStatus], ...],
) -> None:
    """Press each button of `moves` (who, label, the status it gives) on the card, as edited
    after the move before."""
    reference = texts(card)[0].strip("*").split(" ")[0]
    for user, label, status in moves:
        served.deliver()
        shown = ([card, *edits_of(double, card)])[-1]
        pressed = buttons(shown["blocks"])[label]
        assert slack.interact(press(user, pressed, card["channel"], card["ts"])).status == 200
        double.wait_for(
            lambda: ticket(served, reference).status == status,  # type: ignore[union-attr]  # noqa: B023
            f"{reference} {status}",
        )
    served.deliver()


def status_field(call: dict[str, Any]) -> str:
    """The status a card shows."""
    return next(text for text in texts(call) if text.startswith("*Status*\n")).split("\n")[1]


def test_a_normal_change_raised_in_the_dm_approved_by_both_approvers_and_worked(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    # Typed in the team channel, /ticket change asks its questions in the DM with the bot,
    # where Slack sends the bot what Bob types.
    assert slack.command(BOB, "change Allow the partner VPN range", channel=NETWORK).status == 200
    double.wait_for(lambda: len(in_dm(double, BOB)) == 1, "the first question")
    assert texts(in_dm(double, BOB)[0]) == ["Which service is it about?"]
    assert double.calls_to("chat.postEphemeral") == []

    assert answer(slack, double, BOB, "Firewall rules") == ["What kind of change is it?"]
    assert answer(slack, double, BOB, "Normal")[0].startswith("Any details that help?")
    assert answer(slack, double, BOB, "Skip") == ["How risky is the change?"]
    assert answer(slack, double, BOB, "Medium")[0].startswith("When does it start?")
    assert answer(slack, double, BOB, "2026-11-30 22:00", typed=True)[0].startswith(
        "When does it end?"
    )
    assert answer(slack, double, BOB, "2026-11-30 23:00", typed=True) == [
        "If it goes wrong, how will you roll it back?"
    ]
    rollback = answer(slack, double, BOB, "Remove the rule again", typed=True, said=2)
    assert rollback == ["Shall I raise it?"]
    assert texts(in_dm(double, BOB)[-2]) == [
        "*Your ticket*",
        "Change about Firewall rules: Allow the partner VPN range\n"
        "Normal change, medium risk: priority P3.\n"
        "Window: 2026-11-30 22:00 UTC to 2026-11-30 23:00 UTC.\n"
        "Rollback: Remove the rule again",
    ]
    assert answer(slack, double, BOB, "Raise it")[:2] == [
        "*CHG-1 · P3 · Allow the partner VPN range*",
        "Raised CHG-1. Network team has it; I will tell you when it changes.",
    ]
    assert ticket(served, "CHG-1").status == TicketStatus.AWAITING_APPROVAL  # type: ignore[union-attr]

    # Carol and Grace each get the request in their DM; with rule "all" both must approve.
    carols = approve(slack, double, served, CAROL, "CHG-1")
    assert texts(carols)[1] == "Bob Okafor asks for your approval of CHG-1."
    assert (
        texts(in_dm(double, CAROL)[-1])[1] == "Your vote is counted; CHG-1 still awaits approval."
    )
    assert ticket(served, "CHG-1").status == TicketStatus.AWAITING_APPROVAL  # type: ignore[union-attr]
    graces = approve(slack, double, served, GRACE, "CHG-1")
    double.wait_for(
        lambda: ticket(served, "CHG-1").status == TicketStatus.APPROVED,  # type: ignore[union-attr]
        "CHG-1 approved",
    )
    served.deliver()

    # Both requests are edited to the outcome, their buttons gone; the team's card too.
    for request in (carols, graces):
        edited = edits_of(double, request)[-1]
        assert texts(edited)[1] == "CHG-1 was approved; Grace Hopper cast the deciding vote."
        assert buttons(edited["blocks"]) == {}
    card = next(call for call in posted(double) if call["channel"] == NETWORK)
    assert status_field(edits_of(double, card)[-1]) == "approved"

    work_the_card(
        slack,
        double,
        served,
        card,
        (
            (BOB, "Schedule", TicketStatus.SCHEDULED),
            (BOB, "Implement", TicketStatus.IMPLEMENTING),
            (BOB, "Complete", TicketStatus.COMPLETED),
        ),
    )
    assert status_field(edits_of(double, card)[-1]) == "completed"
    notes = [texts(call) for call in posted(double) if call.get("thread_ts") == card["ts"]]
    assert notes[-3:] == [
        ["Bob Okafor scheduled CHG-1 (now scheduled)."],
        ["Bob Okafor started implementing CHG-1 (now implementing)."],
        ["Bob Okafor completed CHG-1 (now completed)."],
    ]


def test_an_access_request_approved_by_manager_then_owner_and_fulfilled(
    slack: SlackClient, double: SlackDouble, served: SlackDesk
) -> None:
    access = GOOD_FORM | {
        "type": "access_request",
        "service": "erp-access",
        "title": "ERP read access for the audit",
        "description": "The auditors need the Q4 ledgers",
        "until": "2027-01-31",
    }
    submitted = slack.interact(submission(ALICE, access, '{"channel": "C0GENERAL"}'))
    assert (submitted.status, submitted.body) == (200, "")
    double.wait_for(lambda: ticket(served, "ACC-1") is not None, "ACC-1 raised")

    # The manager first: Grace is asked only once Carol has approved.
    carols = approve(slack, double, served, CAROL, "ACC-1")
    assert texts(carols)[1:3] == [
        "Alice Martin asks for your approval of ACC-1.\n\nThe auditors need the Q4 ledgers",
        "*Access until*\nthe end of 2027-01-31 (UTC)",
    ]
    assert in_dm(double, GRACE) == []
    graces = approve(slack, double, served, GRACE, "ACC-1")
    double.wait_for(
        lambda: ticket(served, "ACC-1").status == TicketStatus.APPROVED,  # type: ignore[union-attr]
        "ACC-1 approved",
    )
    served.deliver()
    assert texts(edits_of(double, carols)[-1])[1].startswith(
        "Carol Nguyen approved ACC-1 as the manager."
    )
    assert texts(edits_of(double, graces)[-1])[1].startswith(
        "Grace Hopper approved ACC-1 as the service owner."
    )

    card = next(call for call in posted(double) if call["channel"] == WORKPLACE)
    work_the_card(
        slack,
        double,
        served,
        card,
        (
            (ERIN, "Start work", TicketStatus.IN_PROGRESS),
            (ERIN, "Fulfil", TicketStatus.FULFILLED),
        ),
    )
    assert status_field(edits_of(double, card)[-1]) == "fulfilled"
    told = [texts(call)[1] for call in posted(double) if call["channel"] == dm_of(ALICE)]
    assert told[-1] == "Erin Tanaka fulfilled ACC-1 (now fulfilled)."
    for call in double.calls_to("chat.postEphemeral"):
        check_message(call["blocks"])
